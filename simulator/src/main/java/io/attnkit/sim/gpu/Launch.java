package io.attnkit.sim.gpu;

import java.util.function.LongFunction;

/**
 * One kernel launch: a grid of CTAs in launch order, the resources each CTA holds, and its
 * program, built when the CTA is dispatched so that a launch of millions of CTAs costs memory
 * only for the resident ones.
 *
 * @param groupsPerCta warp groups of one CTA that run their phases independently (1 when all
 *                     warps meet at a barrier every step, as in FlashAttention-2; more for a
 *                     warp-specialised kernel, whose groups the engine always lets overlap)
 * @param stages       K/V buffers: loads run {@code stages - 1} steps ahead of compute
 * @param programOf    the program of the CTA launched {@code n}-th, for {@code 0 <= n < grid}
 */
public record Launch(String name, long grid, int threadsPerCta, long smemPerCta, int registersPerThread,
                     int groupsPerCta, int stages, LongFunction<CtaProgram> programOf) {
    public Launch {
        if (grid < 1 || threadsPerCta < 1 || smemPerCta < 0 || registersPerThread < 1 || groupsPerCta < 1 || stages < 1) {
            throw new IllegalArgumentException("bad launch " + name);
        }
    }

    /** The same launch with residency figures measured by ptxas. */
    public Launch withResources(long smem, int registers) {
        return new Launch(name, grid, threadsPerCta, smem, registers, groupsPerCta, stages, programOf);
    }
}
