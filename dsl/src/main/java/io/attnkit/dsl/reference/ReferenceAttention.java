package io.attnkit.dsl.reference;

import io.attnkit.dsl.blocks.HeadMasks;
import io.attnkit.dsl.blocks.IntervalSet;
import io.attnkit.dsl.blocks.RowMasks;
import io.attnkit.dsl.blocks.Selection;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import java.util.stream.IntStream;

/**
 * The oracle: attention in float64, straight from the definition, with no tiling.
 *
 * <p>For each (batch, head, row): inputs are first rounded to the kernel's storage type; the row
 * sees the keys {@link RowMasks} gives it; {@code s_j = scale · q·k_j}; {@code o = Σ softmax(s)_j
 * v_j}. Query head {@code h} reads KV head {@code h / (heads / kv_heads)}. A row that sees no key
 * gets {@code o = 0} and {@code lse = -∞}.
 */
public final class ReferenceAttention {
    private ReferenceAttention() {
    }

    /** O in float64, {@code [batch, heads, qLen, vDim]}, and the natural log-sum-exp per row. */
    public record Result(double[] out, double[] lse, Shape shape) {
        public double out(int b, int h, int i, int d) {
            return out[((b * shape.heads() + h) * shape.qLen() + i) * shape.vDim() + d];
        }
    }

    /** The reference for a kernel whose masks need no data-dependent decisions. */
    public static Result run(KernelSpec kernel, Tensor q, Tensor k, Tensor v) {
        return run(HeadMasks.of(kernel), Selection.NONE, q, k, v);
    }

    public static Result run(HeadMasks masks, Selection selection, Tensor q, Tensor k, Tensor v) {
        KernelSpec kernel = masks.kernel();
        Shape s = kernel.shape();
        q.requireShape("q", s.batch(), s.heads(), s.qLen(), s.headDim());
        k.requireShape("k", s.batch(), s.kvHeads(), s.kvLen(), s.headDim());
        v.requireShape("v", s.batch(), s.kvHeads(), s.kvLen(), s.vDim());
        DType dtype = kernel.dtype();
        double[] qd = q.rounded(dtype);
        double[] kd = k.rounded(dtype);
        double[] vd = v.rounded(dtype);
        double[] out = new double[s.batch() * s.heads() * s.qLen() * s.vDim()];
        double[] lse = new double[s.batch() * s.heads() * s.qLen()];
        int d = s.headDim();
        int dv = s.vDim();
        double scale = kernel.scale();
        IntStream.range(0, s.batch() * s.heads()).parallel().forEach(bh -> {
            int b = bh / s.heads();
            int h = bh % s.heads();
            int kvh = s.kvHeadOf(h);
            Mask mask = masks.maskOf(b, h);
            double[] scores = new double[s.kvLen()];
            for (int i = 0; i < s.qLen(); i++) {
                IntervalSet visible = RowMasks.visible(mask, s, selection, b, h, i);
                int row = (b * s.heads() + h) * s.qLen() + i;
                if (visible.isEmpty()) {
                    lse[row] = Double.NEGATIVE_INFINITY;
                    continue; // out stays zero
                }
                int qOff = q.offset(b, h, i);
                double max = Double.NEGATIVE_INFINITY;
                for (int r = 0; r < visible.intervals(); r++) {
                    for (int j = visible.start(r); j < visible.end(r); j++) {
                        int kOff = k.offset(b, kvh, j);
                        double dot = 0;
                        for (int x = 0; x < d; x++) {
                            dot += qd[qOff + x] * kd[kOff + x];
                        }
                        scores[j] = dot * scale;
                        max = Math.max(max, scores[j]);
                    }
                }
                double sum = 0;
                int oOff = row * dv;
                for (int r = 0; r < visible.intervals(); r++) {
                    for (int j = visible.start(r); j < visible.end(r); j++) {
                        double p = Math.exp(scores[j] - max);
                        sum += p;
                        int vOff = v.offset(b, kvh, j);
                        for (int x = 0; x < dv; x++) {
                            out[oOff + x] += p * vd[vOff + x];
                        }
                    }
                }
                for (int x = 0; x < dv; x++) {
                    out[oOff + x] /= sum;
                }
                lse[row] = max + Math.log(sum);
            }
        });
        return new Result(out, lse, s);
    }
}
