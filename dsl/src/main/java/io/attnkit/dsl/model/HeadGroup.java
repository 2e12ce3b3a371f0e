package io.attnkit.dsl.model;

import io.attnkit.dsl.source.Span;
import java.util.List;

/** Heads that compute the same pattern, as assigned by one {@code heads} statement. */
public record HeadGroup(List<Integer> heads, HeadMode mode, Span span) {
    public HeadGroup {
        heads = List.copyOf(heads);
        if (heads.isEmpty()) {
            throw new IllegalArgumentException("a head group needs at least one head");
        }
    }

    /** What a group of heads computes. */
    public sealed interface HeadMode {
        /** A pattern fixed at compile time (and-ed with the kernel-wide mask). */
        record Fixed(Mask mask) implements HeadMode {
        }

        /** A router chooses, per KV head and input, between the full and the sparse pattern. */
        record Routed(RouterSpec router, Mask full, Mask sparse) implements HeadMode {
        }
    }
}
