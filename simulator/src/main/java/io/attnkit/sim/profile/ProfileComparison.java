package io.attnkit.sim.profile;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The simulator's counters beside a measured profile's, metric by metric (same Nsight Compute
 * names). Counters that add up over launches (bytes, sectors, time, elapsed cycles) are compared
 * as totals over all launches on both sides ({@link #rows}), so a PyTorch eager attention of ten
 * kernels can face the standard schedule's launches. Rates, percentages and launch figures mean
 * something only launch by launch: with one launch on each side the rows are that launch's, every
 * figure; with as many launches on each side (more than one) {@link #launches} pairs them in order,
 * every figure of simulated launch i against measured launch i; otherwise they are not compared.
 */
public record ProfileComparison(List<Row> rows, List<String> unmeasured, int simulatedLaunches, int measuredLaunches,
                                List<LaunchPair> launches) {
    public ProfileComparison {
        rows = List.copyOf(rows);
        unmeasured = List.copyOf(unmeasured);
        launches = List.copyOf(launches);
    }

    /** One metric: simulated and measured, in base units. */
    public record Row(String metric, double simulated, double measured) {
        /** (simulated - measured) / measured; NaN when nothing was measured. */
        public double error() {
            return measured == 0 ? Double.NaN : (simulated - measured) / measured;
        }
    }

    /** Launch {@code number} (from 1) on each side: the simulated launch's name, the measured kernel and its ID, their figures. */
    public record LaunchPair(int number, String simulated, String measured, String measuredId, List<Row> rows,
                             List<String> unmeasured) {
        public LaunchPair {
            rows = List.copyOf(rows);
            unmeasured = List.copyOf(unmeasured);
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
        List<NcuProfile.Launch> profiled = measured.launches();
        if (launches.size() == 1 && profiled.size() == 1) { // the totals are the launch: one table of every figure
            Section one = compare(launches.get(0).path("metrics"), profiled, metric -> true);
            return new ProfileComparison(one.rows, one.unmeasured, 1, 1, List.of());
        }
        Section totals = compare(simulated.path("metrics"), profiled, ProfileComparison::additive);
        List<LaunchPair> pairs = new ArrayList<>();
        if (launches.size() == profiled.size()) {
            for (int i = 0; i < profiled.size(); i++) {
                NcuProfile.Launch l = profiled.get(i);
                Section s = compare(launches.get(i).path("metrics"), List.of(l), metric -> true);
                pairs.add(new LaunchPair(i + 1, launches.get(i).path("name").asText(), l.kernel(), l.id(), s.rows, s.unmeasured));
            }
        }
        return new ProfileComparison(totals.rows, totals.unmeasured, launches.size(), profiled.size(), pairs);
    }

    private record Section(List<Row> rows, List<String> unmeasured) {
    }

    /** The metrics of {@code sim} that {@code compared} admits against their sums over {@code measured}. */
    private static Section compare(JsonNode sim, List<NcuProfile.Launch> measured, Predicate<String> compared) {
        List<Row> rows = new ArrayList<>();
        List<String> unmeasured = new ArrayList<>();
        for (var it = sim.fieldNames(); it.hasNext(); ) {
            String metric = it.next();
            if (!compared.test(metric) || !sim.get(metric).isNumber()) { // null: a rate of nothing looked up
                continue;
            }
            boolean everywhere = true;
            // with no number in some launch, or absent from it while other launches have it: said to be
            // not measured, not passed over; a metric no launch names is simply not in the profile
            boolean named = false;
            double total = 0;
            for (NcuProfile.Launch l : measured) {
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
        return new Section(rows, unmeasured);
    }

    /** Whether the rates, percentages and launch figures of several launches went uncompared: the counts differ. */
    public boolean launchesUnpaired() {
        return simulatedLaunches != measuredLaunches;
    }

    /** A text table: metric, simulated, measured, error; with launches paired, the totals and then each pair. */
    public String format(String source) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "measured     %s: %d kernel launch%s (simulated: %d)%n", source, measuredLaunches,
                measuredLaunches == 1 ? "" : "es", simulatedLaunches));
        String unpaired = !launchesUnpaired() ? "" : String.format(Locale.ROOT, "  per-launch figures (rates, percentages, "
                + "launch figures) not compared: launch counts differ (%d simulated vs %d measured)%n", simulatedLaunches,
                measuredLaunches);
        boolean paired = !launches.isEmpty();
        String indent = paired ? "    " : "  ";
        List<Row> all = new ArrayList<>(rows);
        launches.forEach(l -> all.addAll(l.rows()));
        if (all.isEmpty()) {
            b.append(notMeasured("  ", unmeasured));
            launches.forEach(l -> b.append(notMeasured("  launch " + l.number() + " ", l.unmeasured())));
            b.append(unpaired).append("  no metric in common with the simulation; profile with ncu --metrics ")
                    .append("dram__bytes_read.sum,dram__bytes_write.sum,lts__t_bytes.sum,gpu__time_duration.sum\n");
            return b.toString();
        }
        int width = all.stream().mapToInt(r -> r.metric().length()).max().orElse(0);
        String line = indent + "%-" + width + "s  %16s  %16s  %8s%n";
        b.append(String.format(Locale.ROOT, line, "metric", "simulated", "measured", "error"));
        if (paired) {
            b.append(String.format(Locale.ROOT, "  totals over the %d launches%s%n", measuredLaunches,
                    rows.isEmpty() && unmeasured.isEmpty() ? ": no metric in the profile that adds up" : ""));
        }
        table(b, line, rows);
        b.append(notMeasured(indent, unmeasured));
        for (LaunchPair l : launches) {
            b.append(String.format(Locale.ROOT, "  launch %d: simulated %s, measured %s (ID %s)%s%n", l.number(), l.simulated(),
                    shortened(l.measured()), l.measuredId(), l.rows().isEmpty() && l.unmeasured().isEmpty()
                            ? ": no metric in common" : ""));
            table(b, line, l.rows());
            b.append(notMeasured(indent, l.unmeasured()));
        }
        return b.append(unpaired).append("  error: simulated / measured - 1; bytes, nanoseconds, cycles")
                .append(System.lineSeparator()).toString();
    }

    private static void table(StringBuilder b, String line, List<Row> rows) {
        for (Row r : rows) {
            double e = r.error();
            b.append(String.format(Locale.ROOT, line, r.metric(), number(r.simulated()), number(r.measured()),
                    Double.isNaN(e) ? "-" : String.format(Locale.ROOT, "%+.1f%%", 100 * e)));
        }
    }

    private static String notMeasured(String indent, List<String> metrics) {
        return metrics.isEmpty() ? ""
                : indent + "not measured (no number in the profile): " + String.join(", ", metrics) + System.lineSeparator();
    }

    /** A demangled kernel name (template arguments and all) cut to a line's worth; the JSON keeps it whole. */
    private static String shortened(String kernel) {
        return kernel.length() <= 80 ? kernel : kernel.substring(0, 77) + "...";
    }

    private static String number(double v) {
        return Math.abs(v) >= 1e6 || (v != 0 && Math.abs(v) < 1e-2) ? String.format(Locale.ROOT, "%.4g", v)
                : String.format(Locale.ROOT, "%.2f", v);
    }
}
