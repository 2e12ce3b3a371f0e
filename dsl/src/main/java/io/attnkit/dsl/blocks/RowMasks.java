package io.attnkit.dsl.blocks;

import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import java.util.List;

/**
 * The exact semantics of masks, one query row at a time: the set of keys row {@code i} may see.
 * Everything else (block maps, the float64 reference, the element masks of generated kernels)
 * is checked against this.
 */
public final class RowMasks {
    private RowMasks() {
    }

    /** The keys visible to row {@code row} of {@code (batch, head)} under {@code mask}. */
    public static IntervalSet visible(Mask mask, Shape shape, Selection selection, int batch, int head, int row) {
        int kv = shape.kvLen();
        long p = shape.positionOfRow(row);
        return switch (mask) {
            case Mask.Dense d -> IntervalSet.of(0, kv);
            case Mask.Causal c -> p < 0 ? IntervalSet.EMPTY : IntervalSet.of(0, p + 1);
            case Mask.Window w -> p < 0 ? IntervalSet.EMPTY : IntervalSet.of(Math.max(0, p - w.size() + 1), p + 1);
            case Mask.Sink s -> IntervalSet.of(0, Math.min(s.count(), kv));
            case Mask.Prefix x -> p < x.length() ? IntervalSet.of(0, Math.min(x.length(), kv)) : IntervalSet.EMPTY;
            case Mask.Document d -> document(d.lengths(), p);
            case Mask.And a -> {
                IntervalSet acc = visible(a.operands().getFirst(), shape, selection, batch, head, row);
                for (int i = 1; i < a.operands().size() && !acc.isEmpty(); i++) {
                    acc = acc.intersect(visible(a.operands().get(i), shape, selection, batch, head, row));
                }
                yield acc;
            }
            case Mask.Or o -> {
                IntervalSet acc = IntervalSet.EMPTY;
                for (Mask m : o.operands()) {
                    acc = acc.union(visible(m, shape, selection, batch, head, row));
                }
                yield acc;
            }
            case Mask.Not n -> visible(n.operand(), shape, selection, batch, head, row).complement(kv);
            case Mask.TopKBlocks t -> selection.visible(t, batch, head, row);
            case Mask.XAttention x -> selection.visible(x, batch, head, row);
            case Mask.Nsa n -> selection.visible(n, batch, head, row);
        };
    }

    private static IntervalSet document(List<Integer> lengths, long p) {
        if (p < 0) {
            return IntervalSet.EMPTY;
        }
        long start = 0;
        for (int len : lengths) {
            if (p < start + len) {
                return IntervalSet.of(start, start + len);
            }
            start += len;
        }
        return IntervalSet.EMPTY;
    }

    /** Element-wise semantics, for tests and scalar code: is key {@code j} visible to row {@code i}? */
    public static boolean isVisible(Mask mask, Shape shape, Selection selection, int batch, int head, int i, int j) {
        return visible(mask, shape, selection, batch, head, i).contains(j);
    }
}
