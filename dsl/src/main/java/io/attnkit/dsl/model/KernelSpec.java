package io.attnkit.dsl.model;

import io.attnkit.dsl.model.HeadGroup.HeadMode;
import io.attnkit.dsl.source.Span;
import java.util.List;
import java.util.Optional;

/**
 * A checked attention kernel: everything a backend or the simulator needs, and nothing that
 * could still be wrong. {@code mask} applies to every head and is and-ed with the pattern of the
 * head's group; every head belongs to exactly one group.
 */
public record KernelSpec(String name, Shape shape, DType dtype, DType accumulate, double scale, Tiles tiles,
                         Optional<String> target, Mask mask, List<HeadGroup> groups, Span span) {

    public KernelSpec {
        groups = List.copyOf(groups);
        boolean[] seen = new boolean[shape.heads()];
        for (HeadGroup g : groups) {
            for (int h : g.heads()) {
                if (h < 0 || h >= seen.length || seen[h]) {
                    throw new IllegalArgumentException("head " + h + " is out of range or assigned twice");
                }
                seen[h] = true;
            }
        }
        for (int h = 0; h < seen.length; h++) {
            if (!seen[h]) {
                throw new IllegalArgumentException("head " + h + " is not assigned");
            }
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be positive and finite");
        }
    }

    /** The same kernel blocked as {@code t}: a program with its own blocking runs it so (FlashAttention-3's). */
    public KernelSpec withTiles(Tiles t) {
        return new KernelSpec(name, shape, dtype, accumulate, scale, t, target, mask, groups, span);
    }

    /** The group that head {@code head} belongs to. */
    public HeadGroup groupOf(int head) {
        for (HeadGroup g : groups) {
            if (g.heads().contains(head)) {
                return g;
            }
        }
        throw new IllegalArgumentException("no head " + head);
    }

    /** The mask head {@code head} computes, when its group is not routed. */
    public Optional<Mask> staticMaskOf(int head) {
        return switch (groupOf(head).mode()) {
            case HeadMode.Fixed f -> Optional.of(Mask.and(mask, f.mask()));
            case HeadMode.Routed r -> Optional.empty();
        };
    }

    /** True when every head's pattern is known without looking at the data. */
    public boolean isStatic() {
        return mask.isStatic() && groups.stream().allMatch(g -> g.mode() instanceof HeadMode.Fixed f && f.mask().isStatic());
    }

    /** The default softmax scale, {@code 1/sqrt(headDim)}. */
    public static double defaultScale(int headDim) {
        return 1.0 / Math.sqrt(headDim);
    }
}
