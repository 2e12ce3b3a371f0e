package io.attnkit.sim;

import io.attnkit.sim.gpu.LaunchStats;
import io.attnkit.sim.gpu.Machine;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * How busy each unit of the machine was over the elapsed time, as a fraction of its peak: the
 * simulator's version of Nsight Compute's "GPU Speed Of Light" section, so that a report says
 * what sets the time. Memory levels count bytes over the elapsed time against the datasheet
 * bandwidth (DRAM: the target's figure, which the model sustains 90% of; L2: the target's figure;
 * shared memory: its bytes per cycle per SM); pipes count their busy cycles over the SMs' cycles.
 *
 * @param dram         DRAM (HBM) bytes read and written per second over the datasheet bandwidth
 * @param l2           L2 bytes per second over the target's L2 bandwidth; NaN when the target gives none
 * @param sharedMemory shared-memory (a CPU's L1 load) bytes per second over its bandwidth
 * @param tensor       tensor-pipe busy cycles over SM cycles
 * @param fma          FMA-pipe busy cycles over SM cycles
 * @param sfu          special-function-pipe busy cycles over SM cycles
 * @param smBusy       cycles with at least one resident CTA over SM cycles: below 1 is tail and imbalance
 */
public record Utilization(double dram, double l2, double sharedMemory, double tensor, double fma, double sfu,
                          double smBusy) {

    /**
     * Below this fraction of peak on every unit the time is set by latency, not throughput: the
     * threshold of Nsight Compute's Speed Of Light rule ("Latency Issues").
     */
    public static final double THROUGHPUT_BOUND = 0.6;

    /** The peaks the memory levels are measured against, bytes per second for the whole machine. */
    public record Peaks(double dramBytesPerSecond, double l2BytesPerSecond, double sharedMemoryBytesPerSecond) {
        public static Peaks of(Machine m) {
            double clock = m.clockHz();
            return new Peaks(m.dramBytesPerCycle() / m.micro().dramEfficiency() * clock,
                    Double.isFinite(m.l2BytesPerCycle()) ? m.l2BytesPerCycle() * clock : Double.NaN,
                    m.smemBytesPerCycle() * m.sms() * clock);
        }
    }

    /**
     * A unit and how busy it was.
     *
     * @param key  the unit's name in JSON, the same for GPUs and CPUs: {@code tensor}, {@code sfu},
     *             {@code fma}, {@code smem} (a CPU's L1 loads), {@code l2} (a CPU's last level), {@code hbm} (DRAM)
     * @param unit the unit's name in a report, in the words of the machine
     */
    public record Share(String key, String unit, double fraction) {
    }

    /** The utilization over {@code launches}, run one after another (one launch, or all of a simulation). */
    public static Utilization of(List<LaunchStats> launches, int sms, double clockHz, Peaks peaks) {
        double cycles = 0;
        double dram = 0;
        double l2 = 0;
        double smem = 0;
        double tensor = 0;
        double fma = 0;
        double sfu = 0;
        double active = 0;
        for (LaunchStats l : launches) {
            cycles += l.cycles();
            dram += l.dramReadBytes() + l.dramWriteBytes();
            l2 += l.l2ReadBytes() + l.l2WriteBytes();
            smem += l.smemBytes();
            tensor += l.tensorCycles();
            fma += l.fmaCycles();
            sfu += l.sfuCycles();
            active += l.smActiveCycles();
        }
        double seconds = cycles / clockHz;
        double smCycles = cycles * sms;
        return new Utilization(ratio(dram, seconds * peaks.dramBytesPerSecond()), ratio(l2, seconds * peaks.l2BytesPerSecond()),
                ratio(smem, seconds * peaks.sharedMemoryBytesPerSecond()), ratio(tensor, smCycles), ratio(fma, smCycles),
                ratio(sfu, smCycles), ratio(active, smCycles));
    }

    /** The units in the words of a GPU or a CPU report, busiest first (units a CPU lacks left out). */
    public List<Share> shares(boolean cpu) {
        List<Share> s = new ArrayList<>();
        if (!cpu) {
            s.add(new Share("tensor", "tensor pipe", tensor));
            s.add(new Share("sfu", "SFU", sfu));
        }
        s.add(new Share("fma", "FMA pipe", fma));
        s.add(new Share("smem", cpu ? "L1 loads" : "shared memory", sharedMemory));
        if (!Double.isNaN(l2)) {
            s.add(new Share("l2", cpu ? "LLC" : "L2", l2));
        }
        s.add(new Share("hbm", cpu ? "DRAM" : "HBM", dram));
        s.sort(Comparator.comparingDouble(Share::fraction).reversed());
        return s;
    }

    /** The busiest unit. */
    public Share busiest(boolean cpu) {
        return shares(cpu).getFirst();
    }

    /** True when no unit reached {@link #THROUGHPUT_BOUND} of its peak. */
    public boolean latencyBound() {
        return busiest(false).fraction() < THROUGHPUT_BOUND;
    }

    /** What sets the time, as a {@link Share#key}: the busiest unit, or "latency" when none is near its peak. */
    public String boundBy(boolean cpu) {
        return latencyBound() ? "latency" : busiest(cpu).key();
    }

    private static double ratio(double part, double whole) {
        if (Double.isNaN(whole)) {
            return Double.NaN;
        }
        return whole > 0 ? part / whole : 0;
    }
}
