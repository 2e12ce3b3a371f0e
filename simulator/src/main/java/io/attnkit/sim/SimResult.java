package io.attnkit.sim;

import io.attnkit.dsl.model.Tiles;
import io.attnkit.sim.gpu.FlashSchedule;
import io.attnkit.sim.gpu.LaunchStats;
import io.attnkit.sim.gpu.Occupancy;
import java.util.List;
import java.util.Optional;

/**
 * What the simulator predicts for one kernel on one target. Sums are over every launch of the
 * schedule and pass. Byte counts through the L2 are exact; DRAM
 * bytes are what the L2 model lets through.
 *
 * @param seconds        predicted wall-clock time of all launches
 * @param cycles         SM clock cycles elapsed
 * @param pass           the passes simulated (the backward after the forward for {@link Pass#FWD_BWD})
 * @param dropout        the attention dropout probability simulated (0: none)
 * @param packGqa        whether the flash forward packed the query heads of each KV head into one CTA's rows
 * @param tiles          the blocking simulated: the kernel's own, or the one its schedule imposes ({@code flash3})
 * @param usefulFlops    FLOPs of the visible (query, key) pairs: {@code 2 (d + dv)} per pair forward,
 *                       {@code 2 (3 d + 2 dv)} backward
 * @param mmaWidenedTo   the type the MMAs run in, when the target has no matrix unit for the kernel's own, or
 *                       {@link #FMA_PIPE} when it has none for either
 * @param tensorBytes    device memory Q, K, V and O take at their exact shapes: a lower bound of the run's footprint
 * @param deviceMemoryBytes the target's DRAM capacity (0: not given)
 * @param l2CapacityBytes the target's L2 (a CPU's last-level cache), whose size decides whether {@link L2Mode#MODEL}
 *                       is within the range it is held to
 * @param peakFlops      the target's peak FLOP/s for the kernel's type
 * @param tensorActive   fraction of SM cycles the tensor pipe was busy (mean over SMs)
 * @param occupancy      residency of the main launch (the longest one on a GPU, the last on a CPU)
 * @param achievedOccupancy mean resident warps of the same launch over the SM's maximum, while the SM was
 *                       busy: never a mean over launches, which could pass what {@code occupancy} allows
 *                       (a backward's 8-warp launch beside a 32-warp reduction)
 * @param occupancyLaunch the name of that launch, which {@code occupancy}, {@code achievedOccupancy} and
 *                       {@code waves} all describe
 * @param peaks          the bandwidths {@link #utilization()} measures the memory levels against
 */
public record SimResult(String kernel, String target, boolean cpu, Schedule schedule, Pass pass, Raster raster, L2Mode l2,
                        double dropout, boolean packGqa, Tiles tiles, boolean overlapCtas, Optional<SimOptions.Resources> resources,
                        Optional<String> mmaWidenedTo, long tensorBytes, long deviceMemoryBytes, long l2CapacityBytes,
                        int sms,
                        int maxWarpsPerSm,
                        double seconds, double cycles, double clockHz, double usefulFlops, double peakFlops,
                        long visitedTiles, long fullTiles, long partialTiles, double dramReadBytes,
                        double dramWriteBytes, long l2ReadBytes, long l2WriteBytes, double l2ReadHitBytes,
                        double smemBytes, double tensorActive, double fmaActive, double sfuActive, double waves,
                        Occupancy occupancy, double achievedOccupancy, String occupancyLaunch,
                        List<LaunchStats> launches, long events,
                        long steps, Utilization.Peaks peaks) {
    /** {@link #mmaWidenedTo} of matmuls on the FMA pipe: the target has no matrix unit for the type. */
    public static final String FMA_PIPE = "fma";

    public SimResult {
        launches = List.copyOf(launches);
    }

    /** True when Q, K, V and O alone pass the target's memory (given). */
    public boolean exceedsDeviceMemory() {
        return deviceMemoryBytes > 0 && tensorBytes > deviceMemoryBytes;
    }

    /** True when the L2 reuse model ran on an L2 smaller than any it is held to the exact cache at. */
    public boolean l2ModelBelowHeldRange() {
        return l2 == L2Mode.MODEL && l2CapacityBytes < L2Mode.MODEL_HELD_FROM_BYTES;
    }

    /** Ranges the flash forward cut the keys of each row into (1: no split-KV launch). */
    public int kvSplits() {
        long split = 0;
        long rows = 0;
        for (LaunchStats l : launches) {
            if (l.name().equals(FlashSchedule.SPLIT_LAUNCH)) {
                split = l.grid();
            } else if (l.name().equals(FlashSchedule.COMBINE_LAUNCH)) {
                rows = l.grid();
            }
        }
        return split > 0 && rows > 0 ? (int) (split / rows) : 1;
    }

    /**
     * Resident warps over the SM's maximum while busy, over every launch: what the totals'
     * {@code sm__warps_active} says, beside their summed cycles. The summary keeps to one launch
     * ({@link #achievedOccupancy}), whose CTAs per SM it prints alongside.
     */
    public double achievedOccupancyOfAllLaunches() {
        double warpCycles = 0;
        double activeCycles = 0;
        for (LaunchStats l : launches) {
            warpCycles += l.warpCycles();
            activeCycles += l.smActiveCycles();
        }
        return activeCycles > 0 ? warpCycles / activeCycles / maxWarpsPerSm : 0;
    }

    /** Achieved FLOP/s on the useful work. */
    public double flopsPerSecond() {
        return seconds > 0 ? usefulFlops / seconds : 0;
    }

    /** Achieved FLOP/s as a fraction of the peak. */
    public double fractionOfPeak() {
        return peakFlops > 0 ? flopsPerSecond() / peakFlops : 0;
    }

    public double dramBytes() {
        return dramReadBytes + dramWriteBytes;
    }

    public long l2Bytes() {
        return l2ReadBytes + l2WriteBytes;
    }

    /**
     * Fraction of L2 traffic served without DRAM: read bytes that hit, and writes (which the
     * write-back L2 always absorbs), over all bytes.
     */
    public double l2HitRate() {
        long all = l2Bytes();
        return all > 0 ? (l2ReadHitBytes + l2WriteBytes) / all : 0;
    }

    /** Fraction of L2 read bytes that hit. */
    public double l2ReadHitRate() {
        return l2ReadBytes > 0 ? l2ReadHitBytes / l2ReadBytes : 0;
    }

    /** How busy each unit was over all launches, and so what set the time. */
    public Utilization utilization() {
        return Utilization.of(launches, sms, clockHz, peaks);
    }

    /** How busy each unit was during one launch. */
    public Utilization utilization(LaunchStats launch) {
        return Utilization.of(List.of(launch), sms, clockHz, peaks);
    }
}
