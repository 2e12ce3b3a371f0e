package io.attnkit.cli;

import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.Tiles;
import io.attnkit.sim.SimOptions;
import java.util.Locale;

/**
 * The size of a simulation, estimated from the kernel's shape and tiles before anything is built:
 * the CTAs of FlashAttention-2's grids, one per (batch element, head, block of queries) in the
 * forward and per (batch element, head, block of keys) in the backward. The engine's time and
 * memory grow with them; a shape far past the bundled examples would run for minutes or run out
 * of memory, so it is refused at once.
 */
final class SimulationSize {
    /**
     * The default of {@code --max-ctas}: above every bundled example with every pass (the largest,
     * MoBA at 1M tokens forward and backward, launches 786,432), below shapes that exhaust the heap.
     */
    static final long DEFAULT_MAX_CTAS = 1L << 20;

    private SimulationSize() {
    }

    /** The CTAs the simulation would launch under {@code options}, in the forward and the backward. */
    static long ctas(KernelSpec kernel, SimOptions options) {
        Shape s = kernel.shape();
        Tiles t = kernel.tiles();
        long heads = (long) s.batch() * s.heads();
        long forward = options.pass().forward() ? heads * t.qBlocks(s.qLen()) * Math.max(1, options.kvSplits()) : 0;
        long backward = options.pass().backward() ? heads * t.kvBlocks(s.kvLen()) : 0;
        return forward + backward;
    }

    /** Refuses, in one line with the estimate, a simulation of more than {@code max} CTAs. */
    static void require(KernelSpec kernel, SimOptions options, long max) {
        long ctas = ctas(kernel, options);
        if (ctas > max) {
            Shape s = kernel.shape();
            throw new CliException(ExitCodes.USAGE, String.format(Locale.ROOT,
                    "kernel %s would launch about %,d CTAs (batch %d x heads %d x blocks of %s), more than "
                            + "--max-ctas %d; simulate a smaller shape, or raise --max-ctas (time and memory grow with it)",
                    kernel.name(), ctas, s.batch(), s.heads(), blocks(options), max));
        }
    }

    private static String blocks(SimOptions options) {
        return switch (options.pass()) {
            case FWD -> "queries";
            case BWD -> "keys";
            case FWD_BWD -> "queries, then of keys";
        };
    }
}
