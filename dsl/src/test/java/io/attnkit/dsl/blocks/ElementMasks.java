package io.attnkit.dsl.blocks;

import io.attnkit.dsl.model.Mask;
import java.util.function.Predicate;

/**
 * The language's element semantics written independently of {@link RowMasks}: is key {@code j}
 * visible to the query at position {@code p}? Selectors are answered by {@code selected}, which
 * a test backs with its own naive decisions for the element at hand.
 */
public final class ElementMasks {
    private ElementMasks() {
    }

    /** For static masks: meeting a selector is a test bug. */
    public static final Predicate<Mask> NO_SELECTORS = s -> {
        throw new IllegalArgumentException("not static: " + s);
    };

    public static boolean visible(Mask m, long p, int j, Predicate<Mask> selected) {
        return switch (m) {
            case Mask.Dense d -> true;
            case Mask.Causal c -> j <= p;
            case Mask.Window w -> p - j >= 0 && p - j < w.size();
            case Mask.Sink s -> j < s.count();
            case Mask.Prefix x -> p < x.length() && j < x.length();
            case Mask.Document d -> {
                if (p < 0) {
                    yield false;
                }
                long start = 0;
                int docP = -1;
                int docJ = -1;
                for (int i = 0; i < d.lengths().size(); i++) {
                    long end = start + d.lengths().get(i);
                    if (p >= start && p < end) {
                        docP = i;
                    }
                    if (j >= start && j < end) {
                        docJ = i;
                    }
                    start = end;
                }
                yield docP >= 0 && docP == docJ;
            }
            case Mask.And a -> a.operands().stream().allMatch(o -> visible(o, p, j, selected));
            case Mask.Or o -> o.operands().stream().anyMatch(x -> visible(x, p, j, selected));
            case Mask.Not n -> !visible(n.operand(), p, j, selected);
            case Mask.TopKBlocks t -> selected.test(t);
            case Mask.XAttention x -> selected.test(x);
            case Mask.Nsa n -> selected.test(n);
        };
    }
}
