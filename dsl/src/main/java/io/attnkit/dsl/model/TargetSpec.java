package io.attnkit.dsl.model;

import io.attnkit.dsl.source.Span;
import java.util.Map;
import java.util.Optional;

/**
 * A hardware target: every figure the simulator and the checks use. Rates are per compute unit
 * (an SM on a GPU, a core on a CPU) and per clock cycle; sizes are in bytes, bandwidths in
 * bytes per second, latencies in seconds.
 *
 * @param tensorFlops  dense matrix-unit FLOP per cycle per unit, by input type (empty on CPUs)
 * @param vectorFlops  FMA-pipe FLOP per cycle per unit (an FMA counts 2), by type
 * @param sfuOps       special-function (exp2) operations per cycle per unit
 * @param sharedMemPerUnit  on-chip scratch per unit (GPU shared memory; 0 on CPUs)
 * @param sharedMemPerBlock the most one thread block may use (GPU; 0 on CPUs)
 * @param registersPerUnit  32-bit registers per unit (GPU; 0 on CPUs)
 * @param maxThreadsPerUnit resident threads per unit (GPU; hardware threads per core on CPUs)
 * @param maxBlocksPerUnit  resident thread blocks per unit (GPU; 1 on CPUs)
 * @param simdBits          vector register width (CPU; 0 on GPUs)
 * @param l1   per-unit first-level data cache, when described
 * @param l2   second-level cache: shared by all SMs on a GPU, per core on a CPU
 * @param l3   last-level cache of a CPU, when described
 * @param dram HBM or DRAM
 * @param launchOverhead fixed cost of one kernel launch, in seconds
 */
public record TargetSpec(String name, Kind kind, Backend backend, String arch, int units, double clockHz,
                         Map<DType, Double> tensorFlops, Map<DType, Double> vectorFlops, double sfuOps,
                         long sharedMemPerUnit, long sharedMemPerBlock, long registersPerUnit, int maxThreadsPerUnit,
                         int maxBlocksPerUnit, int simdBits, Optional<MemoryLevel> l1, MemoryLevel l2,
                         Optional<MemoryLevel> l3, MemoryLevel dram, double launchOverhead, Span span) {

    public enum Kind { GPU, CPU }

    public enum Backend {
        CUDA, OPENCL, JAVA;

        public String spelling() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public TargetSpec {
        tensorFlops = Map.copyOf(tensorFlops);
        vectorFlops = Map.copyOf(vectorFlops);
    }

    /**
     * One level of the memory hierarchy.
     *
     * @param bytes          capacity (per unit for per-unit levels)
     * @param bytesPerSecond sustained bandwidth of the whole level (0 when not described)
     * @param latency        load-to-use latency in seconds (0 when not described)
     * @param ways           associativity (0 when not described)
     * @param lineBytes      line or sector size
     * @param perUnit        true when each unit has its own
     */
    public record MemoryLevel(long bytes, double bytesPerSecond, double latency, int ways, int lineBytes,
                              boolean perUnit) {
        /** Associativity of a cache that does not give one: 16 ways, as measured on Volta to Hopper. */
        public static final int DEFAULT_WAYS = 16;

        /** The associativity, {@link #DEFAULT_WAYS} when not described. */
        public int waysOrDefault() {
            return ways > 0 ? ways : DEFAULT_WAYS;
        }
    }

    /** Peak dense FLOP/s of the fastest pipe for {@code dtype}: tensor cores if present, else FMA. */
    public double peakFlops(DType dtype) {
        double perCycle = Math.max(tensorFlops.getOrDefault(dtype, 0.0), vectorFlops.getOrDefault(dtype, 0.0));
        return perCycle * units * clockHz;
    }

    /** The shared memory one thread block may use: the per-block limit, else the per-unit size. */
    public long sharedMemoryBudget() {
        if (sharedMemPerBlock > 0) {
            return sharedMemPerBlock;
        }
        if (sharedMemPerUnit > 0) {
            return sharedMemPerUnit;
        }
        return l2.perUnit() ? l2.bytes() : 0;
    }
}
