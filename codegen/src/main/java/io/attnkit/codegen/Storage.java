package io.attnkit.codegen;

import io.attnkit.dsl.model.Bf16;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.Fp8E4M3;
import io.attnkit.dsl.reference.Tensor;

/**
 * Tensors to and from the arrays generated kernels take, in Java or copied into device buffers:
 * {@code float[]} for f32, {@code short[]} of half or bfloat16 bits, {@code byte[]} of FP8 E4M3
 * codes; each value rounded to nearest even.
 */
public final class Storage {
    private Storage() {
    }

    /** {@code t}'s values in storage type {@code dtype}; for f32 the tensor's own array. */
    public static Object encode(Tensor t, DType dtype) {
        float[] x = t.data();
        return switch (dtype) {
            case F32 -> x;
            case F16 -> {
                short[] out = new short[x.length];
                for (int i = 0; i < x.length; i++) {
                    out[i] = Float.floatToFloat16(x[i]);
                }
                yield out;
            }
            case BF16 -> {
                short[] out = new short[x.length];
                for (int i = 0; i < x.length; i++) {
                    out[i] = Bf16.fromFloat(x[i]);
                }
                yield out;
            }
            case FP8_E4M3 -> {
                byte[] out = new byte[x.length];
                for (int i = 0; i < x.length; i++) {
                    out[i] = Fp8E4M3.fromDouble(x[i]);
                }
                yield out;
            }
        };
    }

    /** A zeroed output array of {@code n} elements for kernels of storage type {@code dtype}. */
    public static Object newOutput(DType dtype, int n) {
        return switch (dtype.outputType()) {
            case F32 -> new float[n];
            case F16, BF16 -> new short[n];
            case FP8_E4M3 -> throw new IllegalStateException("fp8 outputs are stored as bf16");
        };
    }

    /** The output array of a kernel of storage type {@code dtype} as a tensor of the given shape. */
    public static Tensor decode(Object out, DType dtype, int batch, int heads, int length, int dim) {
        float[] x = switch (dtype.outputType()) {
            case F32 -> (float[]) out;
            case F16 -> {
                short[] s = (short[]) out;
                float[] f = new float[s.length];
                for (int i = 0; i < s.length; i++) {
                    f[i] = Float.float16ToFloat(s[i]);
                }
                yield f;
            }
            case BF16 -> {
                short[] s = (short[]) out;
                float[] f = new float[s.length];
                for (int i = 0; i < s.length; i++) {
                    f[i] = Bf16.toFloat(s[i]);
                }
                yield f;
            }
            case FP8_E4M3 -> throw new IllegalStateException("fp8 outputs are stored as bf16");
        };
        return new Tensor(batch, heads, length, dim, x);
    }
}
