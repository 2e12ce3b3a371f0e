package io.attnkit.cli;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.blocks.HeadMasks;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Npy;
import io.attnkit.dsl.reference.Tensor;
import io.attnkit.dsl.select.Selector;
import io.attnkit.dsl.select.WeightsException;
import io.attnkit.sim.SyntheticSelection;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The block map a simulation walks: static kernels' directly, data-dependent ones' decided on the
 * given Q and K, on random ones, or drawn synthetically; {@code selection} says which, for the
 * report (empty for static kernels).
 */
record DecidedMap(BlockMap map, Optional<String> selection) {
    /** The most elements of a random Q or K drawn (one float array each, 1 GiB of heap). */
    static final long MAX_RANDOM_ELEMENTS = 1L << 28;

    /** How simulate's options decide data-dependent patterns. */
    record Inputs(Optional<Path> q, Optional<Path> k, long seed, boolean synthetic) {
    }

    /** The map of {@code kernel} under {@code inputs}; notes on how it was decided go to {@code out}. */
    static DecidedMap of(KernelSpec kernel, Inputs inputs, PrintWriter out) throws IOException {
        if (HeadMasks.of(kernel).isStatic()) {
            // Static masks, and routers with a fixed sparse ratio: nothing to decide on data.
            if (inputs.q().isPresent()) {
                out.println("note: kernel " + kernel.name() + " decides nothing on data (its masks are static): --q and --k are not read");
            } else if (inputs.synthetic()) {
                out.println("note: kernel " + kernel.name() + " decides nothing on data (its masks are static): "
                        + "--synthetic-selection changes nothing");
            }
            return new DecidedMap(BlockMap.of(kernel), Optional.empty());
        }
        Shape s = kernel.shape();
        long seed = inputs.seed();
        long elements = Math.max((long) s.batch() * s.heads() * s.qLen(), (long) s.batch() * s.kvHeads() * s.kvLen())
                * s.headDim();
        boolean tooLarge = inputs.q().isEmpty() && elements > MAX_RANDOM_ELEMENTS;
        if (inputs.synthetic() || tooLarge) {
            if (inputs.q().isPresent()) {
                throw new CliException(ExitCodes.USAGE, "--synthetic-selection draws the selection without inputs; drop --q/--k");
            }
            out.println("note: selection drawn synthetically with the selector's structure (seed " + seed + "), not decided on Q and K"
                    + (inputs.synthetic() ? "" : ": random Q or K of " + elements + " elements would be too large")
                    + "; see docs/simulator.md");
            try {
                return new DecidedMap(BlockMap.of(HeadMasks.of(kernel), new SyntheticSelection(s, seed, kernel.tiles().q()),
                        kernel.tiles().q(), kernel.tiles().kv()), Optional.of("synthetic, seed " + seed));
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new CliException(ExitCodes.USAGE, "kernel '" + kernel.name() + "': " + e.getMessage());
            }
        }
        if (inputs.q().isPresent() != inputs.k().isPresent()) {
            throw new CliException(ExitCodes.USAGE, "give --q and --k together");
        }
        Tensor qs;
        Tensor ks;
        String selection;
        if (inputs.q().isPresent()) {
            qs = finite(Npy.read(inputs.q().get()), inputs.q().get());
            ks = finite(Npy.read(inputs.k().get()), inputs.k().get());
            selection = "decided on Q and K from " + inputs.q().get() + " and " + inputs.k().get();
        } else {
            qs = Tensor.random(s.batch(), s.heads(), s.qLen(), s.headDim(), seed);
            ks = Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.headDim(), seed + 1);
            selection = "decided on random Q and K, seed " + seed;
        }
        try {
            return new DecidedMap(Selector.decide(kernel, qs, ks).blockMap(), Optional.of(selection));
        } catch (WeightsException e) {
            // as run reports it: a side file that cannot be used, like an unreadable input
            throw new CliException(ExitCodes.USAGE, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, e.getMessage());
        }
    }

    /**
     * Refuses inputs with NaN or infinite values: scores of NaN sort anywhere, so the selection
     * decided on them (an all-NaN Q halved the tiles of a top-k kernel) says nothing.
     */
    private static Tensor finite(Tensor t, Path file) {
        long bad = 0;
        for (float x : t.data()) {
            if (!Float.isFinite(x)) {
                bad++;
            }
        }
        if (bad > 0) {
            throw new CliException(ExitCodes.INPUT, String.format(Locale.ROOT, "%s: %,d of %,d values are NaN or infinite; "
                    + "a selection decided on them means nothing", file, bad, t.data().length));
        }
        return t;
    }
}
