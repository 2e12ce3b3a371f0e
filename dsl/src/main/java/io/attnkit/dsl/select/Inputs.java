package io.attnkit.dsl.select;

import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Tensor;

/** Q and K rounded to the kernel's storage type and widened to float64, as the reference reads them. */
final class Inputs {
    final Shape shape;
    final double scale;
    final double[] q;
    final double[] k;

    private Inputs(Shape shape, double scale, double[] q, double[] k) {
        this.shape = shape;
        this.scale = scale;
        this.q = q;
        this.k = k;
    }

    static Inputs of(KernelSpec kernel, Tensor q, Tensor k) {
        Shape s = kernel.shape();
        q.requireShape("q", s.batch(), s.heads(), s.qLen(), s.headDim());
        k.requireShape("k", s.batch(), s.kvHeads(), s.kvLen(), s.headDim());
        return new Inputs(s, kernel.scale(), q.rounded(kernel.dtype()), k.rounded(kernel.dtype()));
    }

    /** Only the keys, for routing: {@link #q} is empty. */
    static Inputs ofKeys(KernelSpec kernel, Tensor k) {
        Shape s = kernel.shape();
        k.requireShape("k", s.batch(), s.kvHeads(), s.kvLen(), s.headDim());
        return new Inputs(s, kernel.scale(), new double[0], k.rounded(kernel.dtype()));
    }

    /** Offset of query row {@code i} of {@code (batch, head)} in {@link #q}. */
    int qOffset(int batch, int head, int i) {
        return ((batch * shape.heads() + head) * shape.qLen() + i) * shape.headDim();
    }

    /** Offset of key {@code j} of {@code (batch, kvHead)} in {@link #k}. */
    int kOffset(int batch, int kvHead, int j) {
        return ((batch * shape.kvHeads() + kvHead) * shape.kvLen() + j) * shape.headDim();
    }

    /** {@code a[aOff .. aOff + n) · b[bOff .. bOff + n)}, summed in index order. */
    static double dot(double[] a, int aOff, double[] b, int bOff, int n) {
        double s = 0;
        for (int x = 0; x < n; x++) {
            s += a[aOff + x] * b[bOff + x];
        }
        return s;
    }

    /** The mean of keys {@code [from, to)} of {@code (batch, kvHead)}: summed in key order, then divided. */
    double[] meanOfKeys(int batch, int kvHead, int from, int to) {
        int d = shape.headDim();
        double[] mean = new double[d];
        for (int j = from; j < to; j++) {
            int off = kOffset(batch, kvHead, j);
            for (int x = 0; x < d; x++) {
                mean[x] += k[off + x];
            }
        }
        for (int x = 0; x < d; x++) {
            mean[x] /= to - from;
        }
        return mean;
    }

    /**
     * {@code p[from .. to)} replaced by its softmax: {@code exp(p - max) / sum}, the sum taken in
     * index order.
     */
    static void softmax(double[] p, int from, int to) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) {
            max = Math.max(max, p[i]);
        }
        double sum = 0;
        for (int i = from; i < to; i++) {
            p[i] = Math.exp(p[i] - max);
            sum += p[i];
        }
        for (int i = from; i < to; i++) {
            p[i] /= sum;
        }
    }
}
