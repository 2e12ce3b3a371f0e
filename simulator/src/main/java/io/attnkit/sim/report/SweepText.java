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
        // The first line of a single run's report names kernel, target and options; they are the same for
        // every row, but for the split count --kv-splits auto picks per shape, which gets a column then.
        boolean splitsVary = results.stream().mapToInt(SimResult::kvSplits).distinct().count() > 1;
        String first = SimText.format(results.getFirst()).lines().findFirst().orElseThrow();
        if (keys.contains("target")) { // the first line names the first point's target, and the CPU's wording
            first = "kernel " + results.getFirst().kernel() + ": " + first.substring(first.indexOf(": ") + 2);
        }
        b.append(splitsVary ? first.replaceFirst(", kv splits [0-9]+", "") : first).append(", swept over ")
                .append(String.join(" x ", keys)).append('\n');
        StringBuilder row = new StringBuilder("  ");
        for (int k = 0; k < keys.size(); k++) { // as wide as the setting's name and its widest value
            int column = k;
            int width = Math.max(7, Math.max(keys.get(k).length(),
                    points.stream().mapToInt(p -> p.get(column).length()).max().orElse(0)));
            row.append("%-").append(width).append("s ");
        }
        row.append("%12s %9s %7s %11s %11s %9s %7s").append(splitsVary ? " %6s" : "%s").append("  %s%n");
        List<Object> header = new ArrayList<>(keys);
        header.addAll(List.of("time", "TFLOP/s", "% peak", "HBM read", "HBM write", "L2 reads", "waves",
                splitsVary ? "splits" : "", "bound by"));
        b.append(String.format(Locale.ROOT, row.toString(), header.toArray()));
        for (int i = 0; i < results.size(); i++) {
            SimResult r = results.get(i);
            String bound = r.utilization().boundBy(r.cpu());
            List<Object> cells = new ArrayList<>(points.get(i));
            cells.addAll(List.of(SimText.time(r.seconds()), String.format(Locale.ROOT, "%.1f", r.flopsPerSecond() / 1e12),
                    String.format(Locale.ROOT, "%.1f%%", 100 * r.fractionOfPeak()), SimText.bytes(r.dramReadBytes()),
                    SimText.bytes(r.dramWriteBytes()), SimText.rate(r.l2ReadHitRate(), r.l2ReadBytes()),
                    String.format(Locale.ROOT, "%.2f", r.waves()), splitsVary ? Integer.toString(r.kvSplits()) : "",
                    bound.contains(":") ? bound.substring(0, bound.indexOf(':')) : bound));
            b.append(String.format(Locale.ROOT, row.toString(), cells.toArray()));
        }
        b.append("  (L2 reads: the hit rate of reads; waves: of the longest launch)\n");
        return b.toString();
    }
}
