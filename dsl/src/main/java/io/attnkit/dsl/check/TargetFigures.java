package io.attnkit.dsl.check;

import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.TargetSpec.Kind;
import io.attnkit.dsl.model.TargetSpec.MemoryLevel;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.source.Diagnostics;
import io.attnkit.dsl.source.ErrorCode;
import io.attnkit.dsl.syntax.Property;
import io.attnkit.dsl.syntax.Property.Item;
import io.attnkit.dsl.syntax.Property.Word;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Reads the figures of a target: counts, shared memory, per-type rates, clocks, memory levels
 * with their bandwidths and latencies, and the launch overhead. A figure may be written per
 * second or per cycle, per SM or core or for the whole chip; each comes out in one unit (per
 * second, bytes, seconds), inside bounds that keep the simulator finite, or empty once its
 * error is reported. {@link Values} reads the plain quantities beneath these.
 */
final class TargetFigures {
    /*
     * Bounds on figures, far beyond any real machine either way (docs/targets.md, "Bounds"): a
     * 1e-12 B/s L2 or a 1e30 GHz clock made the simulator loop without end, and latencies of
     * 1e30 cycles printed times of 1e21 s.
     */
    private static final double MIN_CLOCK = 1e6;
    private static final double MAX_CLOCK = 100e9;
    private static final double MIN_BANDWIDTH = 1e6;
    private static final double MAX_BANDWIDTH = 1e18;
    private static final double MIN_RATE = 1.0 / 1024;
    private static final double MAX_RATE = 1 << 20;
    private static final double MAX_LATENCY = 1e-3;
    private static final double MAX_LAUNCH = 1;

    /**
     * The longest cache line: 64 sectors of 32 bytes, the granularity at which the exact L2 keeps
     * what a line holds and what in it is dirty (a longest line of 64 KiB had 1 KiB sectors,
     * which took one tile's log-sum-exp for another's).
     */
    private static final long MAX_LINE_BYTES = 2048;

    /** The suffixes a figure may take: none, or also per SM, core or CU. */
    static final Set<String> NONE = Set.of("");
    static final Set<String> UNIT_OR_NONE = Set.of("", "sm", "core", "cu");

    /** The units of a rate given as a chip total per second, with their factor to operations per second. */
    private static final Map<String, Double> TOTAL_RATES = Map.of("FLOP/s", 1.0, "GFLOP/s", 1e9, "TFLOP/s", 1e12,
            "PFLOP/s", 1e15, "op/s", 1.0, "Gop/s", 1e9, "Top/s", 1e12);

    /** Every unit a rate takes, for messages. */
    private static final List<String> RATE_UNITS = List.of("flop/cycle/sm", "flop/cycle/core", "flop/cycle/cu", "flop/cycle",
            "op/cycle/sm", "op/cycle/core", "op/cycle/cu", "op/cycle", "FLOP/s", "GFLOP/s", "TFLOP/s", "PFLOP/s", "op/s", "Gop/s",
            "Top/s");

    private final Values values;
    private final Diagnostics diagnostics;

    TargetFigures(Values values) {
        this.values = values;
        this.diagnostics = values.diagnostics();
    }

    /** The line of a memory level that does not give one: 128 B in a GPU's caches (NVIDIA's L1 and L2 lines), else 64 B. */
    static int defaultLine(Kind kind, String key) {
        return kind == Kind.GPU && !key.equals("hbm") && !key.equals("dram") ? 128 : 64;
    }

    /** The one item of {@code p}: more is an error at the second. */
    Optional<Item> single(Property p) {
        if (p.items().size() != 1) {
            diagnostics.error(ErrorCode.E015, p.items().get(1).span(), "'" + p.key().text() + "' takes one value");
            return Optional.empty();
        }
        return Optional.of(p.items().getFirst());
    }

    /** A property with one count, such as {@code sms 132} or {@code regs 64 Ki/sm}. */
    OptionalLong count(Property p, String what, long min, long max, Set<String> per) {
        return single(p).flatMap(i -> values.quantity(i, "a count"))
                .map(q -> values.count(q, what, min, max, per)).orElse(OptionalLong.empty());
    }

    /** A clock frequency, between 1 MHz and 100 GHz. */
    OptionalDouble clock(Word.Quantity q) {
        return within(values.positive(q, Dimension.FREQUENCY, "clock", NONE), q, "clock", MIN_CLOCK, MAX_CLOCK,
                "between 1 MHz and 100 GHz");
    }

    /** {@code smem 228 KiB/sm, 227 KiB/block}: per SM, and optionally per thread block. */
    long[] sharedMemory(Property p) {
        long[] out = new long[2];
        for (Item item : p.items()) {
            Optional<Word.Quantity> q = values.quantity(item, "a size such as 228 KiB/sm or 227 KiB/block");
            if (q.isEmpty()) {
                continue;
            }
            Optional<Values.Measured> m = values.split(q.get());
            if (m.isEmpty()) {
                continue;
            }
            boolean perBlock = m.get().per().equals(Values.PER_BLOCK);
            Set<String> allowed = perBlock ? Set.of(Values.PER_BLOCK) : UNIT_OR_NONE;
            OptionalLong v = values.bytes(q.get(), "smem", 1, 1L << 40, allowed);
            if (v.isPresent()) {
                out[perBlock ? 1 : 0] = v.getAsLong();
            }
        }
        if (out[1] > out[0] && out[0] > 0) {
            diagnostics.error(ErrorCode.E017, p.span(), "shared memory per block (" + out[1]
                    + " B) exceeds shared memory per SM (" + out[0] + " B)");
        }
        return out;
    }

    /**
     * {@code tensor bf16 4096 flop/cycle/sm, f16 989.4 TFLOP/s}: per-type rates, per unit and
     * cycle, or for the whole chip per second.
     */
    Map<DType, Double> rates(Optional<Property> property, String what, OptionalLong units, OptionalDouble clock) {
        Map<DType, Double> out = new EnumMap<>(DType.class);
        if (property.isEmpty()) {
            return out;
        }
        for (Item item : property.get().items()) {
            if (item.words().size() != 2 || !(item.words().get(0) instanceof Word.Ident type)
                    || !(item.words().get(1) instanceof Word.Quantity q)) {
                diagnostics.error(ErrorCode.E015, item.span(), "expected a type and a rate, such as 'bf16 4096 flop/cycle/sm', found "
                        + Values.describe(item));
                continue;
            }
            Optional<DType> dtype = DType.parse(type.text());
            if (dtype.isEmpty()) {
                diagnostics.error(ErrorCode.E015, type.span(), "unknown type " + DiagnosticRenderer.quote(type.text())
                        + Suggest.hint(type.text(), dtypeNames()), "types: " + String.join(", ", dtypeNames()));
                continue;
            }
            if (out.containsKey(dtype.get())) {
                diagnostics.error(ErrorCode.E012, type.span(), "'" + what + "' gives " + type.text() + " twice");
                continue;
            }
            perCycle(q, what + " " + type.text(), units, clock).ifPresent(v -> out.put(dtype.get(), v));
        }
        return out;
    }

    /** The types a rate may name, as written. */
    static List<String> dtypeNames() {
        return Arrays.stream(DType.values()).map(DType::spelling).toList();
    }

    /** A rate in operations per cycle per unit: {@code 4096 flop/cycle/sm}, or a chip total per second. */
    OptionalDouble perCycle(Word.Quantity q, String what, OptionalLong units, OptionalDouble clock) {
        Optional<Values.Measured> m = values.split(q);
        if (m.isEmpty()) {
            return OptionalDouble.empty();
        }
        String unit = m.get().unit();
        double value = m.get().value().doubleValue();
        if (!(value > 0) || Double.isInfinite(value)) {
            diagnostics.error(ErrorCode.E017, q.span(), what + " must be positive and finite, got " + Values.shown(q));
            return OptionalDouble.empty();
        }
        String range = "between 1/1024 and 1048576 per cycle and unit";
        if ((unit.equals("flop/cycle") || unit.equals("op/cycle")) && !m.get().per().equals(Values.PER_BLOCK)) {
            return within(OptionalDouble.of(value), q, what, MIN_RATE, MAX_RATE, range);
        }
        Double total = TOTAL_RATES.get(unit);
        if (total != null && m.get().per().isEmpty()) {
            if (units.isEmpty() || clock.isEmpty()) {
                return OptionalDouble.empty();
            }
            double perCycle = value * total / units.getAsLong() / clock.getAsDouble();
            return within(OptionalDouble.of(perCycle), q, what, MIN_RATE, MAX_RATE,
                    range + String.format(Locale.ROOT, " (here %.3g)", perCycle));
        }
        values.unknownUnit(q.span(), q.unit(), what, "a rate per cycle and SM or core, or a chip total", RATE_UNITS, "");
        return OptionalDouble.empty();
    }

    /**
     * {@code l2 50 MiB, 5.5 TB/s, latency 260 cycles, ways 16, line 128 B}: the first plain
     * figure is the capacity, the second the bandwidth; the rest are named.
     */
    Optional<MemoryLevel> memory(Property p, String key, Chip chip, boolean perUnitDefault) {
        OptionalDouble clock = chip.clock();
        long bytes = -1;
        double bandwidth = 0;
        double latency = 0;
        long ways = 0;
        long line = defaultLine(chip.kind(), key);
        boolean lineGiven = false;
        boolean perUnit = perUnitDefault;
        boolean ok = true;
        int plain = 0;
        for (Item item : p.items()) {
            List<Word> w = item.words();
            if (w.size() == 1 && w.getFirst() instanceof Word.Quantity q) {
                if (plain == 0) {
                    Optional<Values.Measured> m = values.split(q);
                    if (m.isEmpty()) {
                        ok = false;
                        continue;
                    }
                    perUnit = perUnitDefault || !m.get().per().isEmpty();
                    OptionalLong v = values.bytes(q, key + " size", 1, Long.MAX_VALUE, UNIT_OR_NONE);
                    ok &= v.isPresent();
                    bytes = v.orElse(-1);
                } else if (plain == 1) {
                    OptionalDouble v = bandwidth(q, key, chip);
                    ok &= v.isPresent();
                    bandwidth = v.orElse(0);
                } else {
                    diagnostics.error(ErrorCode.E015, item.span(), "'" + key + "' takes a size and a bandwidth; name the rest "
                            + "(latency, ways, line)");
                    ok = false;
                }
                plain++;
            } else if (w.size() == 2 && w.get(0) instanceof Word.Ident name && w.get(1) instanceof Word.Quantity q) {
                switch (name.text()) {
                    case "latency" -> {
                        OptionalDouble v = latency(q, key, clock);
                        ok &= v.isPresent();
                        latency = v.orElse(0);
                    }
                    case "ways" -> {
                        OptionalLong v = values.count(q, key + " ways", 1, 1024, NONE);
                        ok &= v.isPresent();
                        ways = v.orElse(0);
                    }
                    case "line" -> {
                        OptionalLong v = values.bytes(q, key + " line", 1, MAX_LINE_BYTES, NONE);
                        ok &= v.isPresent();
                        line = v.orElse(line);
                        lineGiven = true;
                        if (v.isPresent() && Long.bitCount(line) != 1) {
                            diagnostics.error(ErrorCode.E017, q.span(), key + " line must be a power of two, got " + line);
                            ok = false;
                        }
                    }
                    case "bandwidth" -> {
                        OptionalDouble v = bandwidth(q, key, chip);
                        ok &= v.isPresent();
                        bandwidth = v.orElse(0);
                    }
                    default -> {
                        diagnostics.error(ErrorCode.E013, name.span(), "unknown " + key + " setting "
                                + DiagnosticRenderer.quote(name.text()) + Suggest.hint(name.text(), List.of("latency", "ways", "line", "bandwidth")),
                                "settings: latency, ways, line, bandwidth");
                        ok = false;
                    }
                }
            } else {
                diagnostics.error(ErrorCode.E015, item.span(), "expected a size, a bandwidth or 'latency', 'ways', 'line' "
                        + "with a value, found " + Values.describe(item));
                ok = false;
            }
        }
        if (bytes < 0) {
            if (ok) {
                diagnostics.error(ErrorCode.E014, p.span(), "'" + key + "' needs a size first, such as '" + key + " 50 MiB'");
            }
            return Optional.empty();
        }
        // A cache holds at least one set, of the ways and line given or of the defaults the
        // simulator then uses: a smaller one was simulated as that one set, silently larger (a
        // 1-byte L2 hit 83% of the time).
        boolean cache = !key.equals("hbm") && !key.equals("dram");
        long setWays = ways > 0 ? ways : MemoryLevel.DEFAULT_WAYS;
        long set = setWays * line;
        if (ok && cache && bytes < set) {
            diagnostics.error(ErrorCode.E017, p.span(), String.format(Locale.ROOT, "%s of %d B cannot hold one set of %d ways "
                    + "of %d B lines (%d B)", key, bytes, setWays, line, set), defaultsNote(ways, lineGiven, line));
            ok = false;
        }
        return ok ? Optional.of(new MemoryLevel(bytes, bandwidth, latency, (int) ways, (int) line, perUnit)) : Optional.empty();
    }

    /** What a cache too small for one set assumed: the defaults of what it does not give. */
    private static String[] defaultsNote(long ways, boolean lineGiven, long line) {
        List<String> assumed = new ArrayList<>();
        if (ways == 0) {
            assumed.add(MemoryLevel.DEFAULT_WAYS + " ways");
        }
        if (!lineGiven) {
            assumed.add(line + " B lines");
        }
        return assumed.isEmpty() ? new String[0]
                : new String[] {"not given, so assumed: " + String.join(" and ", assumed) + " (set them with 'ways N' and 'line SIZE')"};
    }

    /** The kind, units and clock of the target a memory level belongs to: per-cycle figures are resolved with them. */
    record Chip(Kind kind, OptionalLong units, OptionalDouble clock) {
    }

    /**
     * A bandwidth per second, or, for a cache, per cycle of the target's clock: {@code 5120 B/cycle}
     * for the whole level, {@code 128 B/cycle/sm} per SM or core. A per-cycle figure is resolved
     * with the target's final units and clock, so that a target that extends another and changes
     * them keeps the bytes per cycle.
     */
    private OptionalDouble bandwidth(Word.Quantity q, String key, Chip chip) {
        Optional<Values.Measured> m = values.split(q);
        if (m.isEmpty()) {
            return OptionalDouble.empty();
        }
        boolean cache = !key.equals("hbm") && !key.equals("dram");
        String what = key + " bandwidth";
        String range = "between 1 MB/s and 1000000 TB/s";
        String unit = m.get().unit();
        if (unit.equals("B/cycle") && cache && !m.get().per().equals(Values.PER_BLOCK)) {
            double value = m.get().value().doubleValue();
            if (!(value > 0) || Double.isInfinite(value)) {
                diagnostics.error(ErrorCode.E017, q.span(), what + " must be positive and finite, got " + Values.shown(q));
                return OptionalDouble.empty();
            }
            if (chip.units().isEmpty() || chip.clock().isEmpty()) {
                return OptionalDouble.empty(); // reported already
            }
            double total = value * (m.get().per().isEmpty() ? 1 : chip.units().getAsLong()) * chip.clock().getAsDouble();
            return within(OptionalDouble.of(total), q, what, MIN_BANDWIDTH, MAX_BANDWIDTH,
                    range + String.format(Locale.ROOT, " (here %.3g B/s)", total));
        }
        if (Dimension.BANDWIDTH.factor(unit).isEmpty() || !m.get().per().isEmpty()) {
            List<String> units = new ArrayList<>(Dimension.BANDWIDTH.units());
            if (cache) {
                units.addAll(List.of("B/cycle", "B/cycle/sm", "B/cycle/core", "B/cycle/cu"));
            }
            values.unknownUnit(q.span(), q.unit(), what, "a bandwidth" + (cache ? ", per second or per cycle of the clock"
                    + " (B/cycle for the whole level, B/cycle/sm per SM or core)" : " per second (memory does not run at the target's "
                    + "clock)"), units, "");
            return OptionalDouble.empty();
        }
        return within(values.positive(q, Dimension.BANDWIDTH, what, NONE), q, what, MIN_BANDWIDTH, MAX_BANDWIDTH, range);
    }

    private OptionalDouble latency(Word.Quantity q, String key, OptionalDouble clock) {
        OptionalDouble seconds;
        if (q.unit().equals("cycles") || q.unit().equals("cycle")) {
            Optional<Values.Measured> m = values.split(q);
            if (m.isEmpty()) {
                return OptionalDouble.empty();
            }
            BigDecimal cycles = m.get().value();
            if (cycles.signum() < 0) {
                diagnostics.error(ErrorCode.E017, q.span(), key + " latency must not be negative");
                return OptionalDouble.empty();
            }
            seconds = clock.isPresent() ? OptionalDouble.of(cycles.doubleValue() / clock.getAsDouble()) : OptionalDouble.empty();
        } else if (Dimension.TIME.factor(q.unit()).isEmpty()) {
            List<String> units = new ArrayList<>(Dimension.TIME.units());
            units.addAll(List.of("cycles", "cycle"));
            values.unknownUnit(q.span(), q.unit(), key + " latency", "a time, or cycles of the target's clock", units, "");
            return OptionalDouble.empty();
        } else {
            seconds = values.measure(q, Dimension.TIME, key + " latency", NONE);
            if (seconds.isPresent() && seconds.getAsDouble() < 0) {
                diagnostics.error(ErrorCode.E017, q.span(), key + " latency must not be negative");
                return OptionalDouble.empty();
            }
        }
        return within(seconds, q, key + " latency", 0, MAX_LATENCY, "at most 1 ms");
    }

    /** The time a kernel launch costs, at most 1 s. */
    OptionalDouble launch(Word.Quantity q) {
        OptionalDouble v = values.measure(q, Dimension.TIME, "launch", NONE);
        if (v.isPresent() && v.getAsDouble() < 0) {
            diagnostics.error(ErrorCode.E017, q.span(), "launch overhead must not be negative, got " + Values.shown(q));
            return OptionalDouble.empty();
        }
        return within(v, q, "launch overhead", 0, MAX_LAUNCH, "at most 1 s");
    }

    /** {@code v} when it lies in [min, max]; else an error that says {@code what} must be {@code range}. */
    private OptionalDouble within(OptionalDouble v, Word.Quantity q, String what, double min, double max, String range) {
        if (v.isPresent() && !(v.getAsDouble() >= min && v.getAsDouble() <= max)) {
            diagnostics.error(ErrorCode.E017, q.span(), what + " must be " + range + ", got " + Values.shown(q));
            return OptionalDouble.empty();
        }
        return v;
    }
}
