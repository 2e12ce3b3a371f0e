package io.attnkit.dsl.blocks;

import io.attnkit.dsl.model.Mask;
import java.util.stream.Collectors;

/**
 * A model mask written back in the {@code .attn} syntax, with the fewest parentheses its
 * precedence ({@code !} over {@code &} over {@code |}) needs; parsing the text gives the mask back.
 */
public final class MaskText {
    private MaskText() {
    }

    public static String of(Mask m) {
        return of(m, 0);
    }

    private static int precedence(Mask m) {
        return switch (m) {
            case Mask.Or o -> 1;
            case Mask.And a -> 2;
            case Mask.Not n -> 3;
            default -> 4;
        };
    }

    private static String of(Mask m, int context) {
        String text = switch (m) {
            case Mask.Dense d -> "dense";
            case Mask.Causal c -> "causal";
            case Mask.Window w -> "window(" + w.size() + ")";
            case Mask.Sink s -> "sink(" + s.count() + ")";
            case Mask.Prefix p -> "prefix(" + p.length() + ")";
            case Mask.Document d -> "document(" + d.lengths().stream().map(String::valueOf).collect(Collectors.joining(", ")) + ")";
            case Mask.And a -> a.operands().stream().map(x -> of(x, 3)).collect(Collectors.joining(" & "));
            case Mask.Or o -> o.operands().stream().map(x -> of(x, 2)).collect(Collectors.joining(" | "));
            case Mask.Not n -> "!" + of(n.operand(), 4);
            case Mask.TopKBlocks t -> "topk_blocks(" + t.block() + ", " + t.k() + ")";
            case Mask.XAttention x -> "xattention(" + x.block() + ", " + x.stride() + ", " + x.threshold() + ")";
            case Mask.Nsa n -> "nsa(compress " + n.compress() + ", stride " + n.stride() + ", select " + n.selectBlock()
                    + ", count " + n.selectCount() + ", window " + n.window() + ")";
        };
        return precedence(m) < context ? "(" + text + ")" : text;
    }
}
