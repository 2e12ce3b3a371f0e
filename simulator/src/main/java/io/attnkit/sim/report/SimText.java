package io.attnkit.sim.report;

import io.attnkit.sim.L2Mode;
import io.attnkit.sim.Pass;
import io.attnkit.sim.Schedule;
import io.attnkit.sim.SimResult;
import io.attnkit.sim.Utilization;
import io.attnkit.sim.gpu.LaunchStats;
import java.util.Locale;
import java.util.Optional;

/** A simulation as a short human-readable report. */
public final class SimText {
    private SimText() {
    }

    /** FLOP/s per unit of a rate on a machine of this peak: a CPU's 0.2 TFLOP/s would read the same for any rate. */
    static double flopsUnit(double peakFlops) {
        return peakFlops >= 1e12 ? 1e12 : 1e9;
    }

    static String flopsName(double unit) {
        return unit == 1e12 ? "TFLOP/s" : "GFLOP/s";
    }

    public static String format(SimResult r) {
        // A CPU target runs on the same engine, a core standing for an SM; its report uses the CPU's words.
        boolean cpu = r.cpu();
        String dram = cpu ? "DRAM" : "HBM";
        StringBuilder b = new StringBuilder();
        b.append(headline(r)).append('\n');
        line(b, "  time         %s (%s cycles)", time(r.seconds()), String.format(Locale.ROOT, "%.4g", r.cycles()));
        double unit = flopsUnit(r.peakFlops());
        String flops = flopsName(unit);
        line(b, "  throughput   %.1f %s, %.1f%% of the %.1f %s peak", r.flopsPerSecond() / unit, flops,
                100 * r.fractionOfPeak(), r.peakFlops() / unit, flops);
        if (r.schedule() == Schedule.STANDARD) {
            line(b, "  tiles        %d of the block map visible (%d full, %d partial); the unfused kernels compute all of S",
                    r.visitedTiles(), r.fullTiles(), r.partialTiles());
        } else {
            long empty = r.launches().stream().mapToLong(LaunchStats::emptyCtas).sum();
            line(b, "  tiles        %d visited%s (%d full, %d partial)%s", r.visitedTiles(),
                    r.pass() == Pass.FWD_BWD ? " in each pass" : "", r.fullTiles(), r.partialTiles(),
                    empty > 0 ? String.format(Locale.ROOT, "; %,d %s visit none", empty, cpu ? "work items" : "CTAs") : "");
        }
        line(b, "  %-12s %s read, %s written", dram, bytes(r.dramReadBytes()), bytes(r.dramWriteBytes()));
        memoryWarning(r).ifPresent(w -> line(b, "  warning      %s", w));
        l2ModelNote(r).ifPresent(n -> line(b, "  note         %s", n));
        line(b, "  %-12s %s read, %s written, hit rate %s (reads %s)", cpu ? "LLC" : "L2", bytes(r.l2ReadBytes()),
                bytes(r.l2WriteBytes()), rate(r.l2HitRate(), r.l2ReadBytes() + r.l2WriteBytes()),
                rate(r.l2ReadHitRate(), r.l2ReadBytes()));
        line(b, "  %-12s %s", cpu ? "L1 loads" : "shared mem", bytes(r.smemBytes()));
        if (cpu) {
            line(b, "  pipes        FMA %.1f%% active", 100 * r.fmaActive());
            line(b, "  cores        %d, one work item (a q-block of one head) each at a time, %.2f waves", r.sms(), r.waves());
        } else {
            line(b, "  pipes        tensor %.1f%%, FMA %.1f%%, SFU %.1f%% active", 100 * r.tensorActive(), 100 * r.fmaActive(),
                    100 * r.sfuActive());
            // every figure of the line is the one launch's, and the line names it where there are more
            line(b, "  occupancy    %d CTA/SM (limited by %s), achieved %.1f%% of warps, %.2f waves%s",
                    r.occupancy().ctasPerSm(), r.occupancy().limiter().words(), 100 * r.achievedOccupancy(), r.waves(),
                    r.launches().size() > 1 ? " (launch " + r.occupancyLaunch() + ", the longest)" : "");
        }
        Utilization u = r.utilization();
        StringBuilder shares = new StringBuilder();
        for (Utilization.Share share : u.shares(cpu)) {
            shares.append(shares.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%s %.1f%%", share.unit(),
                    100 * share.fraction()));
        }
        line(b, "  of peak      %s", shares);
        String units = cpu ? "cores" : "SMs";
        if (u.latencyBound()) {
            line(b, "  bound by     latency: no unit above %.0f%% of its peak; %s busy %.1f%% of the time",
                    100 * Utilization.THROUGHPUT_BOUND, units, 100 * u.smBusy());
        } else {
            line(b, "  bound by     %s; %s busy %.1f%% of the time", u.busiest(cpu).unit(), units, 100 * u.smBusy());
        }
        if (r.launches().size() > 1) {
            for (LaunchStats l : r.launches()) {
                line(b, "  launch %-20s %s, %s %s read, %s written%s", l.name(), time(l.cycles() / r.clockHz()), dram,
                        bytes(l.dramReadBytes()), bytes(l.dramWriteBytes()), emptyCtas(l, cpu));
            }
        }
        return b.toString();
    }

    /** The report's first line: kernel, target ("kernel K on T: ...") and the options that moved the numbers. */
    public static String headline(SimResult r) {
        if (r.cpu()) {
            return String.format(Locale.ROOT, "kernel %s on %s: the Java backend's kernel, pass %s, LLC %s", r.kernel(),
                    r.target(), r.pass().spelling(), r.l2().spelling());
        }
        return String.format(Locale.ROOT, "kernel %s on %s: schedule %s, pass %s, raster %s, L2 %s%s%s%s%s%s%s%s", r.kernel(),
                r.target(), r.schedule().spelling(), r.pass().spelling(), r.raster().spelling(), r.l2().spelling(),
                r.packGqa() ? ", query heads packed per KV head" : "",
                r.schedule() == Schedule.FLASH3 ? String.format(Locale.ROOT, ", FlashAttention-3's tiles q %d, kv %d, %d stages, "
                        + "%d consumer warp groups", r.tiles().q(), r.tiles().kv(), r.tiles().stages(), r.tiles().warps() / 4 - 1)
                        : "",
                r.mmaWidenedTo().map(t -> t.equals(SimResult.FMA_PIPE)
                        ? ", matmuls on the FMA pipe (no matrix unit for the storage type)"
                        : ", MMAs in " + t + " (no matrix unit for the storage type)").orElse(""),
                r.kvSplits() > 1 ? ", kv splits " + r.kvSplits() : "",
                r.dropout() > 0 ? ", dropout " + probability(r.dropout()) : "",
                r.overlapCtas() ? ", CTAs overlapping" : "",
                r.resources().map(res -> String.format(Locale.ROOT, ", %d register%s per thread and %d B shared memory per CTA given",
                        res.registersPerThread(), res.registersPerThread() == 1 ? "" : "s", res.sharedMemPerCta())).orElse(""));
    }

    /** How many of a launch's CTAs visit no tile, when some do: a split-KV launch under a window can be mostly such. */
    private static String emptyCtas(LaunchStats l, boolean cpu) {
        return l.emptyCtas() > 0 ? String.format(Locale.ROOT, "; %,d of %,d %s visit no tile", l.emptyCtas(), l.grid(),
                cpu ? "work items" : "CTAs") : "";
    }

    private static void line(StringBuilder b, String format, Object... args) {
        b.append(String.format(Locale.ROOT, format, args)).append('\n');
    }

    static String time(double seconds) {
        if (seconds >= 1) {
            return String.format(Locale.ROOT, "%.3f s", seconds);
        }
        if (seconds >= 1e-3) {
            return String.format(Locale.ROOT, "%.3f ms", seconds * 1e3);
        }
        return String.format(Locale.ROOT, "%.2f us", seconds * 1e6);
    }

    /** That Q, K, V and O alone do not fit the device, when so. */
    public static Optional<String> memoryWarning(SimResult r) {
        if (!r.exceedsDeviceMemory()) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "Q, K, V and O take %s, more than the %s of %s: "
                + "the run would not fit the device", bytes(r.tensorBytes()), bytes(r.deviceMemoryBytes()), r.target()));
    }

    /**
     * That the L2 reuse model ran on an L2 below the sizes it is held to the exact cache at, when
     * so: there it can read a third of the DRAM bytes the exact cache reads, and nothing else in
     * the report would tell.
     */
    public static Optional<String> l2ModelNote(SimResult r) {
        if (!r.l2ModelBelowHeldRange()) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "%s's %s of %s is below the %s the L2 reuse model is held to "
                + "the exact cache from; the DRAM bytes may be far too few: run with --l2 exact", r.target(), r.cpu() ? "LLC" : "L2",
                binary(r.l2CapacityBytes()), binary(L2Mode.MODEL_HELD_FROM_BYTES)));
    }

    /** A cache size as targets write it: 256 KiB, 1 MiB (whole units where they divide it). */
    private static String binary(long bytes) {
        if (bytes % (1024 * 1024) == 0) {
            return bytes / (1024 * 1024) + " MiB";
        }
        return bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " B";
    }

    static String bytes(double bytes) {
        String[] units = {"B", "KB", "MB", "GB", "TB"};
        int u = 0;
        while (bytes >= 1000 && u < units.length - 1) {
            bytes /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, u == 0 ? "%.0f %s" : "%.2f %s", bytes, units[u]);
    }

    /**
     * A probability as given, digit for digit: rounding showed 0.99999999 as "dropout 1", a kernel
     * that drops everything, which --dropout refuses.
     */
    static String probability(double p) {
        return java.math.BigDecimal.valueOf(p).stripTrailingZeros().toString();
    }

    /** A hit rate as a percentage, or n/a when nothing was looked up (0% would claim misses). */
    static String rate(double rate, long lookedUp) {
        return lookedUp == 0 ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * rate);
    }
}
