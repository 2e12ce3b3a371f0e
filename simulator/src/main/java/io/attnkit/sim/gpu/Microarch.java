package io.attnkit.sim.gpu;

import java.util.Locale;

/**
 * Figures of an SM's microarchitecture that a target file does not carry, because they follow
 * from the architecture generation rather than from the product. Each one is a published
 * figure, never a value fitted to a benchmark; the sources are in {@code docs/simulator.md}.
 *
 * @param arch                 the architecture name, as in {@code arch sm_90;}
 * @param subPartitions        warp schedulers (SM sub-partitions) per SM: 4 since Volta
 *                             (NVIDIA Volta, Ampere and Hopper architecture whitepapers)
 * @param smemBytesPerCycle    shared-memory bandwidth per SM: 32 banks of 4 bytes per cycle
 *                             (CUDA C++ Programming Guide, "Shared Memory", compute capability 8.x and 9.0)
 * @param mmaSyncEfficiency    fraction of the tensor peak that warp-level {@code mma.sync} reaches:
 *                             1 on Ampere; about 0.63 on Hopper, whose full rate needs
 *                             {@code wgmma} (HazyResearch, "GPUs Go Brrr", 2024-05-12)
 * @param warpGroupMmaEfficiency fraction of the tensor peak that Hopper's warp-group {@code wgmma} sustains,
 *                             0 where there is none: 0.80 on an H100 SXM, the best large BF16 GEMMs measured
 *                             there (cuBLAS 794.5 and 797.8 TFLOP/s, a hand-written TMA and wgmma kernel
 *                             807.7, against the datasheet's 989.4 at 1.83 GHz; see docs/simulator.md)
 * @param maxRegistersPerThread architectural limit (CUDA Programming Guide, Table "Technical Specifications")
 * @param registerAllocationUnit registers are allocated per warp in units of this many (same table)
 * @param barrierCycles        latency of one {@code __syncthreads} with all warps arriving together,
 *                             about 20 cycles (Jia et al., "Dissecting the NVIDIA Volta GPU Architecture
 *                             via Microbenchmarking", arXiv 1804.06826, and the Turing report 1903.07486)
 * @param ctaLaunchCycles      cycles from a CTA slot freeing to the next CTA's first instruction,
 *                             a few hundred (same reports, block scheduling)
 * @param dramEfficiency       fraction of the datasheet DRAM bandwidth a streaming kernel sustains,
 *                             about 0.9 (NVIDIA's STREAM-like measurements of HBM2/HBM3: A100 40GB
 *                             1.4 of 1.555 TB/s; Jia et al. report 0.9 of peak for HBM2 on V100)
 * @param aluLanes             32-bit integer and compare/min/max/select results per cycle per SM: 64
 *                             (CUDA C++ Programming Guide, "Arithmetic Instructions" throughput table,
 *                             compute capability 8.0 and 9.0)
 * @param issueLanes           thread-instructions issued per cycle per SM: one warp instruction per
 *                             sub-partition per cycle, 4 x 32 (Ampere and Hopper whitepapers)
 * @param mmaLatencyCycles     cycles from an {@code mma.sync} issue to its result, about 32 on Ampere
 *                             (Sun et al., "Dissecting Tensor Cores via Microbenchmarks", arXiv 2206.02874)
 * @param shuffleCycles        latency of a warp shuffle or a shared-memory load used for a reduction,
 *                             about 30 cycles (Jia et al., op. cit.; the targets' l1 latency)
 */
public record Microarch(String arch, int subPartitions, double smemBytesPerCycle, double mmaSyncEfficiency,
                        double warpGroupMmaEfficiency, int maxRegistersPerThread, int registerAllocationUnit, double barrierCycles,
                        double ctaLaunchCycles, double dramEfficiency, double aluLanes, double issueLanes,
                        double mmaLatencyCycles, double shuffleCycles) {

    public Microarch {
        if (subPartitions < 1 || !(smemBytesPerCycle > 0) || !(mmaSyncEfficiency > 0) || mmaSyncEfficiency > 1
                || !(warpGroupMmaEfficiency >= 0) || warpGroupMmaEfficiency > 1
                || maxRegistersPerThread < 1 || registerAllocationUnit < 1 || barrierCycles < 0 || ctaLaunchCycles < 0
                || !(dramEfficiency > 0) || dramEfficiency > 1 || !(aluLanes > 0) || !(issueLanes > 0)
                || mmaLatencyCycles < 0 || shuffleCycles < 0) {
            throw new IllegalArgumentException("implausible microarchitecture figures for " + arch);
        }
    }

    /** Ampere (sm_80, sm_86, sm_87): A100, A10, Orin. */
    public static final Microarch AMPERE = new Microarch("sm_80", 4, 128, 1.0, 0, 255, 256, 20, 300, 0.9, 64, 128, 32, 30);

    /** Hopper (sm_90): H100, H200. */
    public static final Microarch HOPPER = new Microarch("sm_90", 4, 128, 0.63, 0.80, 255, 256, 20, 300, 0.9, 64, 128, 32, 30);

    /**
     * The figures for an architecture name: Hopper for {@code sm_90} and later, Ampere for
     * everything else (the oldest generation the kernels target).
     */
    public static Microarch of(String arch) {
        String name = arch == null ? "" : arch;
        Microarch base = computeCapability(name) >= 90 ? HOPPER : AMPERE;
        return new Microarch(name, base.subPartitions, base.smemBytesPerCycle, base.mmaSyncEfficiency,
                base.warpGroupMmaEfficiency, base.maxRegistersPerThread, base.registerAllocationUnit, base.barrierCycles, base.ctaLaunchCycles,
                base.dramEfficiency, base.aluLanes, base.issueLanes, base.mmaLatencyCycles, base.shuffleCycles);
    }

    /**
     * A CPU core seen through the same figures: one "sub-partition", the L1 as the scratch
     * memory, no barriers, no tensor pipe. Vector ALU instructions (max, add, blend, integer)
     * have as many lanes as the FMA pipes (x86 cores since Zen and Skylake have as many FADD or
     * ALU vector pipes as FMA pipes), and four vector instructions issue per cycle (AMD's
     * Software Optimization Guide for Family 19h, Intel's optimization reference manual).
     *
     * @param vectorLanes   32-bit lanes of the core's widest vector
     * @param fmaLanes      FMA lane-operations per cycle (all FMA pipes together)
     * @param l1BytesPerCycle load bandwidth of the L1 per core
     */
    public static Microarch cpu(String arch, int vectorLanes, double fmaLanes, double l1BytesPerCycle) {
        return new Microarch(arch, 1, l1BytesPerCycle, 1.0, 0, 1 << 16, 1, 0, CPU_ITEM_DISPATCH_CYCLES, 1.0, fmaLanes,
                4.0 * vectorLanes, 0, 0);
    }

    /**
     * Cycles to take the next work item from a shared counter (an atomic increment on a
     * contended cache line, about 100 cycles between two cores) and enter its method.
     */
    public static final double CPU_ITEM_DISPATCH_CYCLES = 200;

    /** Whether the SM has warp-group MMAs ({@code wgmma}, sm_90 and later). */
    public boolean warpGroupMma() {
        return warpGroupMmaEfficiency > 0;
    }

    private static int computeCapability(String arch) {
        String a = arch.toLowerCase(Locale.ROOT);
        int i = a.startsWith("sm_") ? 3 : a.startsWith("sm") ? 2 : -1;
        if (i < 0) {
            return 0;
        }
        int cc = 0;
        while (i < a.length() && Character.isDigit(a.charAt(i))) {
            cc = Math.min(cc * 10 + (a.charAt(i) - '0'), 10_000);
            i++;
        }
        return cc;
    }
}
