package io.attnkit.sim.gpu;

import java.util.List;

/**
 * What one CTA does, in order.
 *
 * @param label  the CTA's coordinates, for traces ("b0 h3 q17")
 * @param tiles  K/V tiles of the block map this CTA visits (0 for kernels that are not the fused tile program)
 */
public record CtaProgram(String label, List<Segment> segments, long tiles) {
    public CtaProgram {
        segments = List.copyOf(segments);
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("a CTA program has at least one segment");
        }
    }
}
