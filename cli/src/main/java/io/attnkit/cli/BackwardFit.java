package io.attnkit.cli;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.dsl.model.Tiles;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.gpu.Flash1BackwardSchedule;
import io.attnkit.sim.gpu.FlashBackwardSchedule;
import io.attnkit.sim.gpu.Launch;
import io.attnkit.sim.gpu.Machine;
import io.attnkit.sim.gpu.Occupancy;
import io.attnkit.sim.l2.AddressSpace;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Whether the backward's CTAs fit an SM of the target, checked before anything is simulated: the
 * engine finds out only when it reaches the backward, after the whole forward of fwd+bwd. Its
 * tiles hold more (dQ, dK, dV, dO, the FP32 exchange) than the forward's, so a kernel tiled for
 * the forward may not run backward.
 */
final class BackwardFit {
    /** The smallest tile the hint proposes: one MMA's rows. */
    private static final int MIN_TILE = 16;

    private BackwardFit() {
    }

    /** Refuses, with the tile to shrink and to what, a backward whose CTAs do not fit an SM of {@code target}. */
    static void require(KernelSpec kernel, TargetSpec target, BlockMap map, SimOptions options) {
        if (!options.pass().backward() || target.kind() == TargetSpec.Kind.CPU) {
            return;
        }
        Machine machine = Machine.of(target);
        Tiles tiles = kernel.tiles();
        Optional<String> problem = problem(kernel, tiles.q(), tiles.kv(), tiles.warps(), map, machine, options);
        if (problem.isEmpty()) {
            return;
        }
        Tiles t = kernel.tiles();
        // One change at a time, the first that fits: a smaller tile q, tile kv, or fewer warps (the
        // backward runs twice the forward's, so warps 32 are 2048 threads).
        String hint = halvings(t.q(), MIN_TILE).filter(q -> fits(kernel, q, t.kv(), t.warps(), map, machine, options))
                .findFirst().map(q -> "tile q " + q + " (instead of " + t.q() + ") would fit")
                .or(() -> halvings(t.kv(), MIN_TILE).filter(kv -> fits(kernel, t.q(), kv, t.warps(), map, machine, options))
                        .findFirst().map(kv -> "tile kv " + kv + " (instead of " + t.kv() + ") would fit"))
                .or(() -> halvings(t.warps(), 1).filter(w -> fits(kernel, t.q(), t.kv(), w, map, machine, options))
                        .findFirst().map(w -> "warps " + w + " (instead of " + t.warps() + ") would fit"))
                .orElse(t.q() > MIN_TILE || t.kv() > MIN_TILE ? "shrink tile q, tile kv and warps"
                        : "no smaller tile or warp count fits on its own; shrink warps with the tiles at " + MIN_TILE);
        throw new CliException(ExitCodes.INPUT, "the " + options.schedule().spelling() + " backward does not fit "
                + target.name() + ": " + problem.get() + "; " + hint);
    }

    /** Half of {@code n}, a quarter, ... down to {@code min}. */
    private static Stream<Integer> halvings(int n, int min) {
        return IntStream.iterate(n / 2, h -> h >= min, h -> h / 2).boxed();
    }

    private static boolean fits(KernelSpec kernel, int q, int kv, int warps, BlockMap map, Machine machine, SimOptions options) {
        return problem(kernel, q, kv, warps, map, machine, options).isEmpty();
    }

    /** Why a backward at tiles {@code q} x {@code kv} and {@code warps} does not fit, if it does not. */
    private static Optional<String> problem(KernelSpec kernel, int q, int kv, int warps, BlockMap map, Machine machine,
                                            SimOptions options) {
        for (Launch l : launches(resized(kernel, q, kv, warps), map, machine, options)) {
            try {
                Occupancy.of(machine, l.smemPerCta(), l.threadsPerCta(), l.registersPerThread());
            } catch (IllegalArgumentException e) {
                return Optional.of(e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** The kernel at other tiles and warps, for one batch element: what a CTA holds does not depend on the batch. */
    private static KernelSpec resized(KernelSpec k, int q, int kv, int warps) {
        Shape s = k.shape();
        Tiles t = k.tiles();
        return new KernelSpec(k.name(), new Shape(1, s.heads(), s.kvHeads(), s.qLen(), s.kvLen(), s.headDim(), s.vDim(),
                s.span()), k.dtype(), k.accumulate(), k.scale(), new Tiles(q, kv, t.stages(), warps, t.span()),
                k.target(), k.mask(), k.groups(), k.span());
    }

    private static List<Launch> launches(KernelSpec kernel, BlockMap map, Machine machine, SimOptions options) {
        return switch (options.schedule()) {
            case FLASH -> FlashBackwardSchedule.launches(kernel, map, machine, options.raster(), new AddressSpace(),
                    options.dropout());
            case FLASH1 -> List.of(Flash1BackwardSchedule.launch(kernel, map, machine, new AddressSpace(),
                    options.dropout()));
            case STANDARD -> List.of(); // cuBLAS-sized GEMM tiles, whatever the kernel's
            case FLASH3 -> List.of(); // forward only: the simulator refuses its backward
        };
    }
}
