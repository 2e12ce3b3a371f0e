package io.attnkit.sim.gpu;

import java.util.List;

/**
 * {@code steps} consecutive steps of a CTA's program that cost the same: a run of FULL or
 * PARTIAL tiles of the block map, a prologue, an epilogue. Each step makes every access once,
 * advancing its item by one.
 *
 * @param label what the steps are, for traces ("FULL", "PARTIAL", "prologue", ...)
 */
public record Segment(String label, long steps, StepCost cost, List<Access> accesses) {
    public Segment {
        if (steps < 1) {
            throw new IllegalArgumentException("a segment has at least one step");
        }
        accesses = List.copyOf(accesses);
    }

    /** Bytes read per step. */
    public long readBytesPerStep() {
        long n = 0;
        for (Access a : accesses) {
            if (!a.write()) {
                n += a.itemBytes();
            }
        }
        return n;
    }

    /** Bytes written per step. */
    public long writeBytesPerStep() {
        long n = 0;
        for (Access a : accesses) {
            if (a.write()) {
                n += a.itemBytes();
            }
        }
        return n;
    }
}
