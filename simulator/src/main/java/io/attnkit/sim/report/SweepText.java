package io.attnkit.sim.report;

import io.attnkit.sim.SimResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A sweep's results as one table: a row per point, the figures a sweep is read for. */
public final class SweepText {
    private SweepText() {
    }

    /** The table of {@code results}, one per point of {@code points}, a value for each of the settings {@code keys}. */
    public static String format(List<String> keys, List<List<String>> points, List<SimResult> results) {
        if (points.size() != results.size() || results.isEmpty()) {
            throw new IllegalArgumentException("a result per point");
        }
        StringBuilder b = new StringBuilder();
        // A single run's first line names kernel, target and options ("kernel K on T: schedule ...").
        // The target goes when it is swept; the options stay in the header when every point ran
        // alike, and are listed per point when not (FP8 widened on one GPU only, a CPU beside GPUs);
        // the split count --kv-splits auto picks per shape gets a column instead.
        boolean splitsVary = results.stream().mapToInt(SimResult::kvSplits).distinct().count() > 1;
        List<String> details = results.stream().map(r -> {
            String line = SimText.headline(r);
            String detail = line.substring(line.indexOf(": ") + 2);
            return splitsVary ? detail.replaceFirst(", kv splits [0-9]+", "") : detail;
        }).toList();
        String first = SimText.headline(results.getFirst());
        String kernel = keys.contains("target") ? "kernel " + results.getFirst().kernel() : first.substring(0, first.indexOf(": "));
        boolean alike = details.stream().distinct().count() == 1;
        b.append(kernel).append(alike ? ": " + details.getFirst() : "").append(", swept over ").append(String.join(" x ", keys))
                .append(alike ? "" : "; the points ran differently:").append('\n');
        if (!alike) {
            for (int i = 0; i < results.size(); i++) {
                b.append("    ").append(String.join(", ", points.get(i))).append(": ").append(details.get(i)).append('\n');
            }
        }
        boolean cpus = results.stream().allMatch(SimResult::cpu);
        boolean gpus = results.stream().noneMatch(SimResult::cpu);
        String memory = gpus ? "HBM" : "DRAM";
        String cache = gpus ? "L2" : cpus ? "LLC" : "cache";
        StringBuilder row = new StringBuilder("  ");
        for (int k = 0; k < keys.size(); k++) { // as wide as the setting's name and its widest value
            int column = k;
            int width = Math.max(7, Math.max(keys.get(k).length(),
                    points.stream().mapToInt(p -> p.get(column).length()).max().orElse(0)));
            row.append("%-").append(width).append("s ");
        }
        row.append("%12s %9s %7s %11s %11s %11s %7s").append(splitsVary ? " %6s" : "%s").append("  %s%n");
        List<Object> header = new ArrayList<>(keys);
        // in GFLOP/s as soon as one point is a CPU's: its rate read 0.1 TFLOP/s whatever the tiles
        double unit = results.stream().mapToDouble(r -> SimText.flopsUnit(r.peakFlops())).min().orElse(1e12);
        header.addAll(List.of("time", SimText.flopsName(unit), "% peak", memory + " read", memory + " write", cache + " reads", "waves",
                splitsVary ? "splits" : "", "bound by"));
        b.append(String.format(Locale.ROOT, row.toString(), header.toArray()));
        for (int i = 0; i < results.size(); i++) {
            SimResult r = results.get(i);
            String bound = r.utilization().boundBy(r.cpu());
            List<Object> cells = new ArrayList<>(points.get(i));
            cells.addAll(List.of(SimText.time(r.seconds()), String.format(Locale.ROOT, "%.1f", r.flopsPerSecond() / unit),
                    String.format(Locale.ROOT, "%.1f%%", 100 * r.fractionOfPeak()), SimText.bytes(r.dramReadBytes()),
                    SimText.bytes(r.dramWriteBytes()), SimText.rate(r.l2ReadHitRate(), r.l2ReadBytes()),
                    String.format(Locale.ROOT, "%.2f", r.waves()), splitsVary ? Integer.toString(r.kvSplits()) : "",
                    bound.contains(":") ? bound.substring(0, bound.indexOf(':')) : bound));
            b.append(String.format(Locale.ROOT, row.toString(), cells.toArray()));
        }
        b.append("  (").append(cache).append(" reads: the hit rate of reads; waves: of the longest launch")
                .append(gpus || cpus ? "" : "; DRAM is HBM on a GPU, cache the L2 on a GPU and the LLC on a CPU").append(")\n");
        return b.toString();
    }
}
