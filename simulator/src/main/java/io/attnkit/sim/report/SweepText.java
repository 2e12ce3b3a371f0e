package io.attnkit.sim.report;

import io.attnkit.sim.SimResult;
import java.util.List;
import java.util.Locale;

/** A sweep's results as one table: a row per value of the swept setting, the figures a sweep is read for. */
public final class SweepText {
    private SweepText() {
    }

    /** The table of {@code results}, one per value in {@code values} of the shape setting {@code key}. */
    public static String format(String key, List<String> values, List<SimResult> results) {
        if (values.size() != results.size() || results.isEmpty()) {
            throw new IllegalArgumentException("a result per value");
        }
        StringBuilder b = new StringBuilder();
        // The first line of a single run's report names kernel, target and options; they are the same for
        // every row, but for the split count --kv-splits auto picks per shape, which gets a column then.
        boolean splitsVary = results.stream().mapToInt(SimResult::kvSplits).distinct().count() > 1;
        String first = SimText.format(results.getFirst()).lines().findFirst().orElseThrow();
        b.append(splitsVary ? first.replaceFirst(", kv splits [0-9]+", "") : first).append(", swept over ").append(key)
                .append('\n');
        String row = "  %-9s %12s %9s %7s %11s %11s %9s %7s" + (splitsVary ? " %6s" : "%s") + "  %s%n";
        b.append(String.format(Locale.ROOT, row, key, "time", "TFLOP/s", "% peak", "HBM read", "HBM write", "L2 reads",
                "waves", splitsVary ? "splits" : "", "bound by"));
        for (int i = 0; i < results.size(); i++) {
            SimResult r = results.get(i);
            String bound = r.utilization().boundBy(r.cpu());
            b.append(String.format(Locale.ROOT, row, values.get(i), SimText.time(r.seconds()),
                    String.format(Locale.ROOT, "%.1f", r.flopsPerSecond() / 1e12),
                    String.format(Locale.ROOT, "%.1f%%", 100 * r.fractionOfPeak()), SimText.bytes(r.dramReadBytes()),
                    SimText.bytes(r.dramWriteBytes()), SimText.rate(r.l2ReadHitRate(), r.l2ReadBytes()),
                    String.format(Locale.ROOT, "%.2f", r.waves()), splitsVary ? Integer.toString(r.kvSplits()) : "",
                    bound.contains(":") ? bound.substring(0, bound.indexOf(':'))
                            : bound));
        }
        b.append("  (L2 reads: the hit rate of reads; waves: of the longest launch)\n");
        return b.toString();
    }
}
