package io.attnkit.sim.profile;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.attnkit.sim.report.SimJson;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The kernel launches of an Nsight Compute CSV export ({@code ncu --csv --metrics ...}), each with
 * its metrics in base units: bytes, nanoseconds, cycles; percentages as they are.
 *
 * <p>Both of ncu's layouts are read: the default one, a row per (launch, metric) with "Metric
 * Name", "Metric Unit" and "Metric Value" columns, and {@code --page raw}, a column per metric
 * with a row of units under the header. Lines before the header (the profiled program's own
 * output, {@code ==PROF==} lines) are skipped, as ncu mixes them into what it prints. Numbers are
 * read as ncu prints them in an English locale: "1,048,576" is a million bytes and more. A metric
 * whose unit this reader cannot convert is passed over unless the simulation reports it
 * ({@link SimJson#METRICS}), where it is an error: ncu's sections print many such metrics.
 */
public record NcuProfile(String source, List<Launch> launches) {
    public NcuProfile {
        launches = List.copyOf(launches);
    }

    /**
     * One profiled kernel launch: its ID in the export, the kernel's name, metrics in base units,
     * and the metrics the export names without a number ("n/a", "NaN", empty): not measured.
     */
    public record Launch(String id, String kernel, Map<String, Double> metrics, Set<String> unmeasured) {
        public Launch {
            metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
            unmeasured = Collections.unmodifiableSet(new LinkedHashSet<>(unmeasured));
        }

        public Launch(String id, String kernel, Map<String, Double> metrics) {
            this(id, kernel, metrics, Set.of());
        }
    }

    private static final List<String> LONG_COLUMNS = List.of("Metric Name", "Metric Unit", "Metric Value");
    private static final CsvMapper CSV = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);

    /** Reads an export; a file that cannot be read is an {@link IOException}, bad content a {@link ProfileException}. */
    public static NcuProfile read(Path file) throws IOException, ProfileException {
        return parse(file.toString(), ProfileText.read(file));
    }

    /** Parses the text of an export; {@code source} names it in error messages. */
    public static NcuProfile parse(String source, String text) throws ProfileException {
        if (text.startsWith("\uFEFF")) { // a byte order mark, as Windows tools write: not part of the header
            text = text.substring(1);
        }
        String[] lines = text.split("\r?\n", -1);
        int header = -1;
        for (int i = 0; i < lines.length && header < 0; i++) {
            if (lines[i].startsWith("\"ID\",")) {
                header = i;
            }
        }
        if (header < 0) {
            throw new ProfileException(source + ": no Nsight Compute CSV header (a line starting \"ID\",); "
                    + "export with ncu --csv --metrics ...");
        }
        List<List<String>> rows = new ArrayList<>();
        List<Integer> lineNumbers = new ArrayList<>();
        for (int i = header; i < lines.length; i++) {
            if (lines[i].startsWith("\"")) { // the program's output can follow the table too
                rows.add(cells(source, i + 1, lines[i]));
                lineNumbers.add(i + 1);
            }
        }
        List<String> columns = rows.getFirst();
        boolean longLayout = columns.containsAll(LONG_COLUMNS);
        List<Launch> launches = longLayout ? longLayout(source, columns, rows, lineNumbers)
                : rawLayout(source, columns, rows, lineNumbers);
        if (launches.isEmpty()) {
            throw new ProfileException(source + ": the export holds no kernel launch");
        }
        return new NcuProfile(source, launches);
    }

    private static List<Launch> longLayout(String source, List<String> columns, List<List<String>> rows, List<Integer> lines)
            throws ProfileException {
        int id = column(source, columns, "ID");
        int kernel = column(source, columns, "Kernel Name");
        int name = columns.indexOf("Metric Name");
        int unit = columns.indexOf("Metric Unit");
        int value = columns.indexOf("Metric Value");
        Map<String, String> kernels = new LinkedHashMap<>();
        Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        Map<String, Set<String>> unmeasured = new LinkedHashMap<>();
        for (int r = 1; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            String where = source + ":" + lines.get(r);
            if (row.size() != columns.size()) {
                throw new ProfileException(where + ": " + row.size() + " fields, the header has " + columns.size());
            }
            kernels.putIfAbsent(row.get(id), row.get(kernel));
            if (passedOver(row.get(name), row.get(unit))) {
                continue;
            }
            if (metrics.getOrDefault(row.get(id), Map.of()).containsKey(row.get(name))
                    || unmeasured.getOrDefault(row.get(id), Set.of()).contains(row.get(name))) {
                // two values for one launch: keeping either would compare against a figure picked at random
                throw new ProfileException(where + ": " + row.get(name) + " a second time for launch " + row.get(id));
            }
            Double v = value(where, row.get(name), row.get(unit), row.get(value));
            if (v != null) {
                metrics.computeIfAbsent(row.get(id), k -> new LinkedHashMap<>()).put(row.get(name), v);
            } else {
                unmeasured.computeIfAbsent(row.get(id), k -> new LinkedHashSet<>()).add(row.get(name));
            }
        }
        List<Launch> launches = new ArrayList<>();
        kernels.forEach((launch, k) -> launches.add(new Launch(launch, k, metrics.getOrDefault(launch, Map.of()),
                unmeasured.getOrDefault(launch, Set.of()))));
        return launches;
    }

    private static List<Launch> rawLayout(String source, List<String> columns, List<List<String>> rows, List<Integer> lines)
            throws ProfileException {
        int id = column(source, columns, "ID");
        int kernel = column(source, columns, "Kernel Name");
        int first = column(source, columns, "CC") + 1; // metrics follow the launch's own columns
        if (rows.size() < 2) {
            throw new ProfileException(source + ": the export holds no kernel launch");
        }
        List<String> units = rows.get(1);
        if (!unitsRow(units, id, first)) { // taken as units, a launch's numbers would refuse or misscale the rest
            throw new ProfileException(source + ":" + lines.get(1) + ": no row of units under the header (this line holds "
                    + "numbers, not units); export with ncu --csv --page raw --print-units base, which prints one");
        }
        Set<String> seen = new LinkedHashSet<>();
        for (int c = first; c < columns.size(); c++) {
            if (!seen.add(columns.get(c))) {
                throw new ProfileException(source + ":" + lines.get(0) + ": column " + columns.get(c) + " a second time");
            }
        }
        Set<Integer> passedOver = new LinkedHashSet<>();
        for (int c = first; c < columns.size() && c < units.size(); c++) {
            if (passedOver(columns.get(c), units.get(c))) {
                passedOver.add(c);
            } else { // refused by the row that prints the unit, not by each launch's
                scale(source + ":" + lines.get(1), columns.get(c), units.get(c).trim());
            }
        }
        List<Launch> launches = new ArrayList<>();
        for (int r = 2; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            String where = source + ":" + lines.get(r);
            if (row.size() != columns.size() || units.size() != columns.size()) {
                throw new ProfileException(where + ": " + row.size() + " fields, the header has " + columns.size());
            }
            Map<String, Double> metrics = new LinkedHashMap<>();
            Set<String> unmeasured = new LinkedHashSet<>();
            for (int c = first; c < columns.size(); c++) {
                if (passedOver.contains(c)) {
                    continue;
                }
                Double v = value(where, columns.get(c), units.get(c), row.get(c));
                if (v != null) {
                    metrics.put(columns.get(c), v);
                } else {
                    unmeasured.add(columns.get(c));
                }
            }
            launches.add(new Launch(row.get(id), row.get(kernel), metrics, unmeasured));
        }
        return launches;
    }

    /**
     * Whether {@code row} is the raw layout's row of units: no launch ID, or metric cells that are
     * units ("byte", "%", "1/second", empty) and no numbers.
     */
    private static boolean unitsRow(List<String> row, int id, int first) {
        if (id < row.size() && row.get(id).isBlank()) {
            return true;
        }
        boolean named = false;
        for (int c = first; c < row.size(); c++) {
            String cell = row.get(c).trim();
            if (NUMBER.matcher(cell).matches() && !cell.equals("1") || !cell.isEmpty() && NO_NUMBER.matcher(cell).matches()) {
                return false;
            }
            named |= !cell.isEmpty() && !cell.equals("1");
        }
        return named;
    }

    private static int column(String source, List<String> columns, String name) throws ProfileException {
        int i = columns.indexOf(name);
        if (i < 0) {
            throw new ProfileException(source + ": no \"" + name + "\" column in the header");
        }
        return i;
    }

    private static List<String> cells(String source, int line, String text) throws ProfileException {
        try (MappingIterator<List<String>> it = CSV.readerForListOf(String.class).readValues(text)) {
            return it.hasNext() ? it.next() : List.of();
        } catch (IOException | RuntimeException e) {
            throw new ProfileException(source + ":" + line + ": not a CSV line: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /**
     * The value in base units; null for what ncu prints where it has no number ("n/a", "NaN", "inf",
     * empty). The commas of "1,234,567" are ncu's thousands separators; anything else that is not a
     * plain decimal number ("1.2.3", "0x1p3", "5d", "1,5") is refused.
     */
    private static Double value(String where, String metric, String unit, String text) throws ProfileException {
        String trimmed = text.trim();
        if (NO_NUMBER.matcher(trimmed).matches()) {
            return null;
        }
        if (!NUMBER.matcher(trimmed).matches()) { // "1.2.3", "0x1p3", "5d", "1,5": parseDouble's leniency would misread them
            throw new ProfileException(where + ": metric " + metric + " is not a number (" + trimmed + ")");
        }
        double v = Double.parseDouble(trimmed.replace(",", ""));
        if (v < 0) { // the counters compared (bytes, cycles, time, hit rates) cannot be negative
            throw new ProfileException(where + ": metric " + metric + " is negative (" + text.trim() + ")");
        }
        double scaled = v * scale(where, metric, unit.trim());
        if (Double.isInfinite(scaled)) { // passed over as not measured, it would hide a broken export
            throw new ProfileException(where + ": metric " + metric + " is out of range (" + text.trim() + " " + unit.trim() + ")");
        }
        return scaled;
    }

    /** A plain decimal number, optional exponent; ',' only between groups of three digits, as ncu's thousands separator. */
    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile(
            "[-+]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][-+]?[0-9]+)?");
    /** What ncu prints where it has no number: not measured. */
    private static final java.util.regex.Pattern NO_NUMBER = java.util.regex.Pattern.compile(
            "(?i)|n/a|[-+]?nan|[-+]?inf(inity)?");

    /** Denominators ncu writes in base units: {@code register/thread}, {@code byte/block}, {@code Gbyte/second}. */
    private static final java.util.Set<String> PER = java.util.Set.of("thread", "block", "warp", "second", "cycle", "inst",
            "request", "sector", "sm");

    /** A metric the simulation does not report, in a unit this reader cannot convert: nothing to compare it with. */
    private static boolean passedOver(String metric, String unit) {
        return Double.isNaN(factor(unit.trim())) && !SimJson.METRICS.contains(metric);
    }

    private static double scale(String where, String metric, String unit) throws ProfileException {
        double factor = factor(unit);
        if (Double.isNaN(factor)) {
            throw new ProfileException(where + ": metric " + metric + " has unit '" + unit
                    + "' that this reader does not convert; export with ncu --print-units base");
        }
        return factor;
    }

    /** What a value in {@code unit} is multiplied by for base units; NaN for a unit this reader does not know. */
    private static double factor(String unit) {
        int slash = unit.indexOf('/');
        if (slash > 0 && PER.contains(unit.substring(slash + 1).toLowerCase(Locale.ROOT))) {
            return factor(unit.substring(0, slash));
        }
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "", "%", "byte", "b", "cycle", "ns", "nsecond", "inst", "warp", "thread", "block", "register",
                 "sector", "request", "1", "hz" -> 1;
            case "kbyte", "kb", "kcycle", "usecond", "us", "khz" -> 1e3;
            case "mbyte", "mb", "mcycle", "msecond", "ms", "mhz" -> 1e6;
            case "gbyte", "gb", "gcycle", "second", "s", "ghz" -> 1e9;
            case "tbyte", "tb" -> 1e12;
            case "kibyte", "kib" -> 1024;
            case "mibyte", "mib" -> 1024.0 * 1024;
            case "gibyte", "gib" -> 1024.0 * 1024 * 1024;
            default -> Double.NaN;
        };
    }
}
