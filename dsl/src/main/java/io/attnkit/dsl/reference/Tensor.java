package io.attnkit.dsl.reference;

import io.attnkit.dsl.model.DType;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A dense float32 tensor of rank 4, {@code [batch, heads, length, dim]}, row-major: the layout of
 * Q, K, V and O everywhere in AttnKit (and of the {@code .npy} files users pass in).
 */
public record Tensor(int batch, int heads, int length, int dim, float[] data) {

    public Tensor {
        long n = (long) batch * heads * length * dim;
        if (batch < 1 || heads < 1 || length < 1 || dim < 1 || n != data.length) {
            throw new IllegalArgumentException("tensor [" + batch + ", " + heads + ", " + length + ", " + dim
                    + "] does not match " + data.length + " elements");
        }
    }

    public static Tensor zeros(int batch, int heads, int length, int dim) {
        return new Tensor(batch, heads, length, dim, new float[Math.toIntExact((long) batch * heads * length * dim)]);
    }

    /** Standard normal entries from a seeded generator: the inputs of {@code --random}. */
    public static Tensor random(int batch, int heads, int length, int dim, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] data = new float[Math.toIntExact((long) batch * heads * length * dim)];
        for (int i = 0; i < data.length; i += 2) {
            // Box-Muller: two normals from two uniforms.
            double u1 = 1.0 - random.nextDouble();
            double u2 = random.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1));
            data[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < data.length) {
                data[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
            }
        }
        return new Tensor(batch, heads, length, dim, data);
    }

    /** Offset of element {@code [b, h, i, 0]}. */
    public int offset(int b, int h, int i) {
        return ((b * heads + h) * length + i) * dim;
    }

    public float get(int b, int h, int i, int d) {
        return data[offset(b, h, i) + d];
    }

    /** Throws when this tensor is not {@code [batch, heads, length, dim]}, naming it {@code name}. */
    public void requireShape(String name, int batch, int heads, int length, int dim) {
        if (this.batch != batch || this.heads != heads || this.length != length || this.dim != dim) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(shape())
                    + ", the kernel expects [" + batch + ", " + heads + ", " + length + ", " + dim + "]");
        }
    }

    /** The elements rounded to {@code dtype}, as storage would hold them, widened to float64. */
    public double[] rounded(DType dtype) {
        double[] out = new double[data.length];
        for (int i = 0; i < data.length; i++) {
            out[i] = dtype.round(data[i]);
        }
        return out;
    }

    public int[] shape() {
        return new int[] {batch, heads, length, dim};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && Arrays.equals(shape(), t.shape()) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape()) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape());
    }
}
