package io.attnkit.dsl.model;

/** bfloat16: the upper 16 bits of an IEEE float32, rounded to nearest even. */
public final class Bf16 {
    private Bf16() {
    }

    /** The bf16 bits of {@code x}, rounded to nearest even; NaN stays NaN. */
    public static short fromFloat(float x) {
        int bits = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    public static float toFloat(short bf16) {
        return Float.intBitsToFloat((bf16 & 0xffff) << 16);
    }

    public static float round(float x) {
        return toFloat(fromFloat(x));
    }
}
