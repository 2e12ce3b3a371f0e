package io.attnkit.codegen.c;

import io.attnkit.dsl.model.Mask;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Element masks of static patterns as C expressions over {@code p}, the query's key position
 * (rows aligned to the end of the keys, as {@link io.attnkit.dsl.model.Shape} defines), and
 * {@code j}, the key. Each case follows the Javadoc of its {@link Mask} record. Documents need
 * a bounds table, which is collected here for the template to declare.
 */
final class CMaskCode {
    private final List<DocumentTable> documents = new ArrayList<>();

    /**
     * The bounds of one {@code document(...)}: document {@code d} holds keys {@code
     * [bounds[d], bounds[d + 1])}; {@code count} documents.
     */
    public record DocumentTable(String name, int count, List<Long> bounds) {
    }

    List<DocumentTable> documents() {
        return documents;
    }

    /** The C expression, true where key {@code j} is visible to the query at position {@code p}. */
    String expression(Mask mask) {
        return switch (mask) {
            case Mask.Dense d -> "1";
            case Mask.Causal c -> "(j <= p)";
            case Mask.Window w -> "(p - j >= 0 && p - j < " + w.size() + ")";
            case Mask.Sink s -> "(j < " + s.count() + ")";
            case Mask.Prefix x -> "(p < " + x.length() + " && j < " + x.length() + ")";
            case Mask.Document d -> document(d);
            case Mask.And a -> a.operands().stream().map(this::expression).collect(Collectors.joining(" && ", "(", ")"));
            case Mask.Or o -> o.operands().stream().map(this::expression).collect(Collectors.joining(" || ", "(", ")"));
            case Mask.Not n -> "!" + expression(n.operand());
            case Mask.TopKBlocks t -> throw notStatic(mask);
            case Mask.XAttention x -> throw notStatic(mask);
            case Mask.Nsa n -> throw notStatic(mask);
        };
    }

    /** {@code doc(p) == doc(j)}: p lies within the bounds of the key's document. */
    private String document(Mask.Document d) {
        List<Long> bounds = new ArrayList<>(d.lengths().size() + 1);
        long at = 0;
        bounds.add(at);
        for (int len : d.lengths()) {
            at += len;
            bounds.add(at);
        }
        for (DocumentTable known : documents) {
            if (known.bounds().equals(bounds)) {
                return known.name() + "(p, j)";
            }
        }
        String name = "attn_doc" + documents.size();
        documents.add(new DocumentTable(name, d.lengths().size(), List.copyOf(bounds)));
        return name + "(p, j)";
    }

    private static IllegalArgumentException notStatic(Mask m) {
        return new IllegalArgumentException("mask " + m + " depends on the data; it has no compiled predicate");
    }
}
