package io.attnkit.dsl.blocks;

import io.attnkit.dsl.model.Mask;

/**
 * The decisions a data-dependent selector took on one input: which keys it admits for a query
 * row of a (batch, head). Computed once from Q and K, then shared by the reference, every
 * kernel and the simulator, so that all of them agree on what was selected.
 */
public interface Selection {

    /** The keys that {@code selector} admits for row {@code row} of {@code (batch, head)}. */
    IntervalSet visible(Mask selector, int batch, int head, int row);

    /** For static masks: asking it anything is a programming error. */
    Selection NONE = (selector, batch, head, row) -> {
        throw new IllegalStateException("mask " + selector + " depends on the data; compute a selection from Q and K first");
    };
}
