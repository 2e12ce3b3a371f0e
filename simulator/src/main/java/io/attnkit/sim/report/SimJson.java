package io.attnkit.sim.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attnkit.sim.SimResult;
import io.attnkit.sim.Utilization;
import io.attnkit.sim.gpu.LaunchStats;
import io.attnkit.sim.gpu.Occupancy;
import java.util.Set;

/**
 * A simulation as JSON. Counters are named as Nsight Compute names its metrics, so that a
 * profile of the real kernel can be diffed against the prediction field by field; each launch
 * has its own block, and {@code metrics} sums them. The same result always gives the same
 * bytes: fields in a fixed order, numbers printed by the JDK's shortest round-trip algorithm.
 */
public final class SimJson {
    /** Bytes per L2 sector, the unit of Nsight's {@code lts__t_sectors} counters. */
    public static final int SECTOR_BYTES = 32;

    /**
     * Every metric name {@code metrics} and a launch's {@code metrics} can hold: a profile's unit
     * that cannot be converted is an error on these, and passed over on the rest.
     */
    public static final Set<String> METRICS = Set.of("gpu__time_duration.sum", "sm__cycles_elapsed.avg",
            "sm__cycles_elapsed.avg.per_second", "sm__cycles_active.avg", "dram__bytes_read.sum", "dram__bytes_write.sum",
            "lts__t_bytes.sum", "lts__t_sectors_op_read.sum", "lts__t_sectors_op_write.sum", "lts__t_sector_hit_rate.pct",
            "smsp__sass_data_bytes_mem_shared.sum", "sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_elapsed",
            "sm__pipe_fma_cycles_active.avg.pct_of_peak_sustained_elapsed",
            "sm__pipe_xu_cycles_active.avg.pct_of_peak_sustained_elapsed", "sm__warps_active.avg.pct_of_peak_sustained_active",
            "dram__throughput.avg.pct_of_peak_sustained_elapsed", "lts__t_bytes.sum.pct_of_peak_sustained_elapsed",
            "smsp__sass_data_bytes_mem_shared.sum.pct_of_peak_sustained_elapsed", "launch__grid_size", "launch__block_size",
            "launch__registers_per_thread", "launch__shared_mem_per_block_dynamic", "launch__occupancy_limit_shared_mem",
            "launch__occupancy_limit_registers", "launch__occupancy_limit_warps", "launch__occupancy_limit_blocks",
            "launch__waves_per_multiprocessor");

    private SimJson() {
    }

    public static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    }

    public static String toJson(SimResult r) {
        ObjectMapper mapper = mapper();
        try {
            return mapper.writeValueAsString(tree(mapper, r)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ObjectNode tree(ObjectMapper mapper, SimResult r) {
        ObjectNode root = mapper.createObjectNode();
        root.put("kernel", r.kernel());
        root.put("target", r.target());
        root.put("schedule", r.schedule().spelling());
        root.put("pass", r.pass().spelling());
        root.put("raster", r.raster().spelling());
        root.put("l2_model", r.l2().spelling());
        if (r.packGqa()) {
            root.put("pack_gqa", true);
        }
        if (r.kvSplits() > 1) {
            root.put("kv_splits", r.kvSplits());
        }
        if (r.dropout() > 0) {
            root.put("dropout", r.dropout());
        }
        r.mmaWidenedTo().ifPresent(t -> root.put("mma_type", t));
        if (r.overlapCtas()) {
            root.put("overlap_ctas", true);
        }
        r.resources().ifPresent(res -> root.putObject("resources").put("registers_per_thread", res.registersPerThread())
                .put("shared_mem_per_cta", res.sharedMemPerCta()));
        ObjectNode summary = root.putObject("summary");
        summary.put("time_ms", r.seconds() * 1e3);
        summary.put("cycles", r.cycles());
        summary.put("useful_flops", r.usefulFlops());
        summary.put("tflops", r.flopsPerSecond() / 1e12);
        summary.put("pct_of_peak", 100 * r.fractionOfPeak());
        summary.put("peak_tflops", r.peakFlops() / 1e12);
        summary.put("visited_tiles", r.visitedTiles());
        summary.put("tensor_bytes", r.tensorBytes());
        summary.put("device_memory_bytes", r.deviceMemoryBytes());
        summary.put("full_tiles", r.fullTiles());
        summary.put("partial_tiles", r.partialTiles());
        summary.put("hbm_read_bytes", Math.round(r.dramReadBytes()));
        summary.put("hbm_write_bytes", Math.round(r.dramWriteBytes()));
        summary.put("l2_read_bytes", r.l2ReadBytes());
        summary.put("l2_write_bytes", r.l2WriteBytes());
        putRate(summary, "l2_hit_rate_pct", r.l2HitRate(), r.l2Bytes());
        putRate(summary, "l2_read_hit_rate_pct", r.l2ReadHitRate(), r.l2ReadBytes());
        summary.put("smem_bytes", Math.round(r.smemBytes()));
        summary.put("tensor_active_pct", 100 * r.tensorActive());
        summary.put("waves", r.waves());
        summary.put("ctas_per_sm", r.occupancy().ctasPerSm());
        summary.put("occupancy_limiter", r.occupancy().limiter().words());
        summary.put("achieved_occupancy_pct", 100 * r.achievedOccupancy());
        summary.put("occupancy_launch", r.occupancyLaunch()); // what waves, ctas_per_sm and the two above describe
        Utilization u = r.utilization();
        ObjectNode ofPeak = summary.putObject("pct_of_peak_by_unit");
        for (Utilization.Share share : u.shares(r.cpu())) {
            ofPeak.put(share.key(), 100 * share.fraction());
        }
        summary.put("bound_by", u.boundBy(r.cpu()));
        summary.put("sm_busy_pct", 100 * u.smBusy());
        summary.put("engine_events", r.events());
        summary.put("engine_steps", r.steps());
        ObjectNode metrics = root.putObject("metrics");
        putTotals(metrics, r);
        var launches = root.putArray("launches");
        for (LaunchStats l : r.launches()) {
            ObjectNode node = launches.addObject();
            node.put("name", l.name());
            node.put("ctas_without_tiles", l.emptyCtas());
            putLaunch(node.putObject("metrics"), l, r);
        }
        return root;
    }

    /** A hit rate in percent, or null when nothing was looked up: 0% would claim misses (the text says n/a). */
    private static void putRate(ObjectNode node, String key, double rate, long lookedUp) {
        if (lookedUp > 0) {
            node.put(key, 100 * rate);
        } else {
            node.putNull(key);
        }
    }

    private static void putTotals(ObjectNode m, SimResult r) {
        m.put("gpu__time_duration.sum", r.seconds() * 1e9);
        m.put("sm__cycles_elapsed.avg", r.cycles());
        // summed like elapsed cycles: launches run one after another, so a profile's launches add up to it
        m.put("sm__cycles_active.avg", r.launches().stream().mapToDouble(l -> l.smActiveCycles() / r.sms()).sum());
        m.put("sm__cycles_elapsed.avg.per_second", r.clockHz());
        m.put("dram__bytes_read.sum", Math.round(r.dramReadBytes()));
        m.put("dram__bytes_write.sum", Math.round(r.dramWriteBytes()));
        m.put("lts__t_bytes.sum", r.l2Bytes());
        m.put("lts__t_sectors_op_read.sum", sectors(r.l2ReadBytes()));
        m.put("lts__t_sectors_op_write.sum", sectors(r.l2WriteBytes()));
        putRate(m, "lts__t_sector_hit_rate.pct", r.l2HitRate(), r.l2Bytes());
        m.put("smsp__sass_data_bytes_mem_shared.sum", Math.round(r.smemBytes()));
        m.put("sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_elapsed", 100 * r.tensorActive());
        m.put("sm__pipe_fma_cycles_active.avg.pct_of_peak_sustained_elapsed", 100 * r.fmaActive());
        m.put("sm__pipe_xu_cycles_active.avg.pct_of_peak_sustained_elapsed", 100 * r.sfuActive());
        m.put("sm__warps_active.avg.pct_of_peak_sustained_active", 100 * r.achievedOccupancyOfAllLaunches());
        putThroughputs(m, r.utilization());
    }

    /** Speed-of-light percentages under Nsight Compute's names; the L2's only when the target gives its bandwidth. */
    private static void putThroughputs(ObjectNode m, Utilization u) {
        m.put("dram__throughput.avg.pct_of_peak_sustained_elapsed", 100 * u.dram());
        if (!Double.isNaN(u.l2())) {
            m.put("lts__t_bytes.sum.pct_of_peak_sustained_elapsed", 100 * u.l2());
        }
        m.put("smsp__sass_data_bytes_mem_shared.sum.pct_of_peak_sustained_elapsed", 100 * u.sharedMemory());
    }

    private static void putLaunch(ObjectNode m, LaunchStats l, SimResult r) {
        double smCycles = l.cycles() * r.sms();
        Occupancy o = l.occupancy();
        m.put("gpu__time_duration.sum", l.cycles() / r.clockHz() * 1e9);
        m.put("sm__cycles_elapsed.avg", l.cycles());
        m.put("sm__cycles_active.avg", l.smActiveCycles() / r.sms());
        m.put("dram__bytes_read.sum", Math.round(l.dramReadBytes()));
        m.put("dram__bytes_write.sum", Math.round(l.dramWriteBytes()));
        m.put("lts__t_bytes.sum", l.l2ReadBytes() + l.l2WriteBytes());
        m.put("lts__t_sectors_op_read.sum", sectors(l.l2ReadBytes()));
        m.put("lts__t_sectors_op_write.sum", sectors(l.l2WriteBytes()));
        long all = l.l2ReadBytes() + l.l2WriteBytes();
        putRate(m, "lts__t_sector_hit_rate.pct", all > 0 ? (double) (l.l2ReadHitBytes() + l.l2WriteBytes()) / all : 0, all);
        m.put("smsp__sass_data_bytes_mem_shared.sum", Math.round(l.smemBytes()));
        m.put("sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_elapsed", 100 * l.tensorCycles() / smCycles);
        m.put("sm__pipe_fma_cycles_active.avg.pct_of_peak_sustained_elapsed", 100 * l.fmaCycles() / smCycles);
        m.put("sm__pipe_xu_cycles_active.avg.pct_of_peak_sustained_elapsed", 100 * l.sfuCycles() / smCycles);
        m.put("launch__grid_size", l.grid());
        m.put("launch__block_size", o.threadsPerCta());
        m.put("launch__registers_per_thread", o.registersPerThread());
        m.put("launch__shared_mem_per_block_dynamic", o.sharedMemPerCta());
        m.put("launch__occupancy_limit_shared_mem", o.bySharedMemory() == Integer.MAX_VALUE ? -1 : o.bySharedMemory());
        m.put("launch__occupancy_limit_registers", o.byRegisters() == Integer.MAX_VALUE ? -1 : o.byRegisters());
        m.put("launch__occupancy_limit_warps", o.byThreads() == Integer.MAX_VALUE ? -1 : o.byThreads());
        m.put("launch__occupancy_limit_blocks", o.byBlocks() == Integer.MAX_VALUE ? -1 : o.byBlocks());
        m.put("launch__waves_per_multiprocessor", l.waves(r.sms()));
        m.put("sm__warps_active.avg.pct_of_peak_sustained_active", 100 * l.achievedOccupancy(r.maxWarpsPerSm()));
        putThroughputs(m, r.utilization(l));
    }

    private static long sectors(long bytes) {
        return (bytes + SECTOR_BYTES - 1) / SECTOR_BYTES;
    }
}
