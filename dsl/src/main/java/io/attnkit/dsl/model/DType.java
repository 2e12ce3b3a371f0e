package io.attnkit.dsl.model;

import java.util.Arrays;
import java.util.Optional;

/** Storage types of Q, K, V and O, and accumulation types. */
public enum DType {
    F32("f32", 4),
    F16("f16", 2),
    BF16("bf16", 2),
    FP8_E4M3("fp8-e4m3", 1);

    private final String spelling;
    private final int bytes;

    DType(String spelling, int bytes) {
        this.spelling = spelling;
        this.bytes = bytes;
    }

    /** The name used in {@code .attn} files. */
    public String spelling() {
        return spelling;
    }

    public int bytes() {
        return bytes;
    }

    /** The type O is written in: the storage type, except bf16 for fp8 inputs (as FlashAttention-3 does). */
    public DType outputType() {
        return this == FP8_E4M3 ? BF16 : this;
    }

    public static Optional<DType> parse(String text) {
        return Arrays.stream(values()).filter(d -> d.spelling.equals(text)).findFirst();
    }

    /** Rounds {@code x} to the nearest value of this type (ties to even), as storage would. */
    public double round(double x) {
        return switch (this) {
            case F32 -> (float) x;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16((float) x));
            case BF16 -> Bf16.round((float) x);
            case FP8_E4M3 -> Fp8E4M3.round(x);
        };
    }

    @Override
    public String toString() {
        return spelling;
    }
}
