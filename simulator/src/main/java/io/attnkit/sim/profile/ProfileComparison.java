package io.attnkit.sim.profile;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The simulator's counters beside a measured profile's, metric by metric (same Nsight Compute
 * names). Counters that add up over launches (bytes, sectors, time, elapsed cycles) are compared
 * as totals over all launches on both sides, so a PyTorch eager attention of ten kernels can face
 * the standard schedule's launches; rates, percentages and launch figures are compared only when
 * each side has exactly one launch, where they mean the same thing.
 */
public record ProfileComparison(List<Row> rows, List<String> unmeasured, int simulatedLaunches, int measuredLaunches) {
    public ProfileComparison {
        rows = List.copyOf(rows);
        unmeasured = List.copyOf(unmeasured);
    }

    /** One metric: simulated and measured, in base units. */
    public record Row(String metric, double simulated, double measured) {
        /** (simulated - measured) / measured; NaN when nothing was measured. */
        public double error() {
            return measured == 0 ? Double.NaN : (simulated - measured) / measured;
        }
    }

    /** Metrics that are not sums but still add up over launches run one after another. */
    private static final Set<String> SEQUENTIAL_AVERAGES = Set.of("sm__cycles_elapsed.avg", "sm__cycles_active.avg");

    static boolean additive(String metric) {
        return metric.endsWith(".sum") || SEQUENTIAL_AVERAGES.contains(metric);
    }

    /**
     * Compares {@code simulated} (the tree of {@link io.attnkit.sim.report.SimJson}: "metrics" holds
     * totals, "launches" each launch's "metrics") with {@code measured}.
     */
    public static ProfileComparison of(JsonNode simulated, NcuProfile measured) {
        JsonNode launches = simulated.path("launches");
        boolean single = launches.size() == 1 && measured.launches().size() == 1;
        JsonNode sim = single ? launches.get(0).path("metrics") : simulated.path("metrics");
        List<Row> rows = new ArrayList<>();
        List<String> unmeasured = new ArrayList<>();
        for (var it = sim.fieldNames(); it.hasNext(); ) {
            String metric = it.next();
            if (!single && !additive(metric) || !sim.get(metric).isNumber()) { // null: a rate of nothing looked up
                continue;
            }
            boolean everywhere = true;
            // with no number in some launch, or absent from it while other launches have it: said to be
            // not measured, not passed over; a metric no launch names is simply not in the profile
            boolean named = false;
            double total = 0;
            for (NcuProfile.Launch l : measured.launches()) {
                Double v = l.metrics().get(metric);
                everywhere &= v != null;
                named |= v != null || l.unmeasured().contains(metric);
                total += v == null ? 0 : v;
            }
            if (everywhere && Double.isFinite(total)) {
                rows.add(new Row(metric, sim.get(metric).asDouble(), total));
            } else if (named) {
                unmeasured.add(metric);
            }
        }
        return new ProfileComparison(rows, unmeasured, launches.size(), measured.launches().size());
    }

    /** A text table: metric, simulated, measured, error. */
    public String format(String source) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "measured     %s: %d kernel launch%s (simulated: %d)%n", source, measuredLaunches,
                measuredLaunches == 1 ? "" : "es", simulatedLaunches));
        String notMeasured = unmeasured.isEmpty() ? ""
                : "  not measured (no number in the profile): " + String.join(", ", unmeasured) + System.lineSeparator();
        if (rows.isEmpty()) {
            b.append(notMeasured).append("  no metric in common with the simulation; profile with ncu --metrics ")
                    .append("dram__bytes_read.sum,dram__bytes_write.sum,lts__t_bytes.sum,gpu__time_duration.sum\n");
            return b.toString();
        }
        int width = rows.stream().mapToInt(r -> r.metric().length()).max().orElse(0);
        b.append(String.format(Locale.ROOT, "  %-" + width + "s  %16s  %16s  %8s%n", "metric", "simulated", "measured", "error"));
        String foot = "  error: simulated / measured - 1; bytes, nanoseconds, cycles" + System.lineSeparator();
        for (Row r : rows) {
            double e = r.error();
            b.append(String.format(Locale.ROOT, "  %-" + width + "s  %16s  %16s  %8s%n", r.metric(), number(r.simulated()),
                    number(r.measured()), Double.isNaN(e) ? "-" : String.format(Locale.ROOT, "%+.1f%%", 100 * e)));
        }
        return b.append(notMeasured).append(foot).toString();
    }

    private static String number(double v) {
        return Math.abs(v) >= 1e6 || (v != 0 && Math.abs(v) < 1e-2) ? String.format(Locale.ROOT, "%.4g", v)
                : String.format(Locale.ROOT, "%.2f", v);
    }
}
