package io.attnkit.dsl.syntax;

import java.util.List;

/**
 * The comments attached to a line-level node, kept so that {@code attnkit fmt} never loses the
 * citations that target files carry. {@code leading} holds the comments before the node and
 * those written inside it, in source order, with {@code ""} for a blank line between two of
 * them; {@code trailing} those after the node on its last line; {@code blankLineBefore} keeps
 * the user's paragraphing.
 */
public record Comments(boolean blankLineBefore, List<String> leading, List<String> trailing) {

    public static final Comments NONE = new Comments(false, List.of(), List.of());

    public Comments {
        leading = List.copyOf(leading);
        trailing = List.copyOf(trailing);
    }

    public boolean isEmpty() {
        return !blankLineBefore && leading.isEmpty() && trailing.isEmpty();
    }
}
