package io.attnkit.sim.validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.Pass;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.profile.ProfileException;
import io.attnkit.sim.profile.ProfileText;
import io.attnkit.sim.validation.Validation.Config;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Measurements of PyTorch attention on a GPU, as {@code tools/torch_attention_measure.py} writes
 * them (one JSON object per line), set beside the simulator's prediction for a target: SDPA's
 * FlashAttention-2 and the papers' standard attention, forward or backward, by time.
 */
public record MeasuredGrid(String source, Optional<String> device, Optional<Double> copyTbPerSecond,
                           Optional<Double> matmulTflops, List<Timed> timings) {
    public MeasuredGrid {
        timings = List.copyOf(timings);
    }

    /** One timed configuration: milliseconds measured, on line {@code line} (from 1) of the file, for messages. */
    public record Timed(Config config, double ms, int line) {
    }

    /** A row of the comparison: predicted and measured time; error as in the published tables (speed). */
    public record Compared(Config config, double predictedMs, double measuredMs) {
        /** measured / predicted time - 1: positive when the simulator predicts it faster than it ran. */
        public double error() {
            return measuredMs / predictedMs - 1;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads a measurement file; one that cannot be read is an {@link IOException}, bad content a {@link ProfileException}. */
    public static MeasuredGrid read(Path file) throws IOException, ProfileException {
        return parse(file.toString(), ProfileText.read(file));
    }

    public static MeasuredGrid parse(String source, String text) throws ProfileException {
        Optional<String> device = Optional.empty();
        Optional<Double> copy = Optional.empty();
        Optional<Double> matmul = Optional.empty();
        List<Timed> timings = new ArrayList<>();
        int outOfMemory = 0;
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = source + ":" + (i + 1);
            JsonNode row;
            try {
                row = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new ProfileException(where + ": malformed JSON: " + reason(e));
            }
            if (!row.isObject()) { // valid JSON all the same: a kind read off it would be ''
                throw new ProfileException(where + ": expected a JSON object, found " + describe(row));
            }
            String kind = text(row, "kind", where);
            switch (kind) {
                case "device" -> device = Optional.of(text(row, "device", where));
                case "copy" -> copy = Optional.of(number(row, "tb_per_s", where));
                case "matmul_bf16" -> matmul = Optional.of(number(row, "tflop_per_s", where));
                case "attention" -> {
                    if (!row.has("error")) { // rows that ran out of memory have no time
                        timings.add(new Timed(config(row, where), number(row, "ms", where), i + 1));
                    } else {
                        outOfMemory++;
                    }
                }
                default -> throw new ProfileException(where + ": unknown kind '" + kind + "'");
            }
        }
        if (timings.isEmpty()) {
            throw new ProfileException(source + ": no timed attention row" + (outOfMemory == 0 ? ""
                    : " (" + outOfMemory + (outOfMemory == 1 ? " row was" : " rows were") + " out of memory, skipped)"));
        }
        return new MeasuredGrid(source, device, copy, matmul, timings);
    }

    private static Config config(JsonNode row, String where) throws ProfileException {
        String impl = text(row, "impl", where);
        if (!impl.equals("flash") && !impl.equals("standard")) {
            throw new ProfileException(where + ": impl '" + impl + "' is neither flash nor standard");
        }
        String passText = text(row, "pass", where);
        Pass pass = Pass.parse(passText).filter(p -> p != Pass.FWD_BWD).orElseThrow(() -> new ProfileException(
                where + ": pass '" + passText + "': compare fwd or bwd (FlashAttention-2 tiles them differently)"));
        String dtype = text(row, "dtype", where);
        if (!dtype.equals("f16") && !dtype.equals("bf16")) {
            throw new ProfileException(where + ": dtype '" + dtype + "' is neither f16 nor bf16");
        }
        int d = positive(row, "d", where);
        if (d != 64 && d != 128) {
            throw new ProfileException(where + ": head dimension " + d + ": FlashAttention-2's tiles are modelled for 64 and 128");
        }
        Config c = new Config(impl.equals("flash"), pass, dtype, positive(row, "batch", where), positive(row, "heads", where),
                positive(row, "n", where), d, bool(row, "causal", where));
        Optional<String> problem = Validation.problem(c);
        if (problem.isPresent()) {
            throw new ProfileException(where + ": " + problem.get());
        }
        return c;
    }

    private static double number(JsonNode row, String field, String where) throws ProfileException {
        JsonNode v = required(row, field, where);
        if (!v.isNumber() || !(v.asDouble() > 0) || !Double.isFinite(v.asDouble())) { // 1e999 reads as Infinity
            throw new ProfileException(where + ": field '" + field + "' must be a positive number, found " + describe(v));
        }
        return v.asDouble();
    }

    /** A JSON true or false: not the string "true", 1, or a missing field read as false. */
    private static boolean bool(JsonNode row, String field, String where) throws ProfileException {
        JsonNode v = required(row, field, where);
        if (!v.isBoolean()) {
            throw new ProfileException(where + ": field '" + field + "' must be true or false, found " + describe(v));
        }
        return v.booleanValue();
    }

    private static String text(JsonNode row, String field, String where) throws ProfileException {
        JsonNode v = required(row, field, where);
        if (!v.isTextual()) {
            throw new ProfileException(where + ": field '" + field + "' must be a string, found " + describe(v));
        }
        return v.asText();
    }

    private static JsonNode required(JsonNode row, String field, String where) throws ProfileException {
        JsonNode v = row.get(field);
        if (v == null) {
            throw new ProfileException(where + ": missing field '" + field + "'");
        }
        return v;
    }

    /**
     * Jackson's reason without its internals: its first line, short of the "(start marker at [Source:
     * ...])" and StreamReadFeature hints, with the column it stopped at.
     */
    private static String reason(JsonProcessingException e) {
        String m = e.getOriginalMessage() == null ? "unreadable" : e.getOriginalMessage().lines().findFirst().orElse("unreadable");
        for (String internal : new String[] {" (start marker at", " at [Source", "[Source:", " (for ", " (through reference"}) {
            int cut = m.indexOf(internal);
            if (cut > 0) {
                m = m.substring(0, cut);
            }
        }
        m = m.strip();
        if (m.length() > 120) {
            m = m.substring(0, 120) + "...";
        }
        return e.getLocation() != null && e.getLocation().getColumnNr() > 0 ? m + " at column " + e.getLocation().getColumnNr() : m;
    }

    /** What a JSON value is, for a message: "an array", "the number -2", "the string \"x\"". */
    private static String describe(JsonNode v) {
        String shown = v.toString().length() > 40 ? v.toString().substring(0, 40) + "..." : v.toString();
        return switch (v.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NUMBER -> Double.isFinite(v.asDouble()) ? "the number " + shown : "a number out of range";
            case STRING -> "the string " + shown;
            case BOOLEAN -> shown;
            case NULL -> "null";
            default -> shown;
        };
    }

    private static int positive(JsonNode row, String field, String where) throws ProfileException {
        double v = number(row, field, where);
        if (v != Math.rint(v) || v > Integer.MAX_VALUE) {
            throw new ProfileException(where + ": field '" + field + "' must be a whole number");
        }
        return (int) v;
    }

    /** Every timing simulated on {@code target}. */
    public List<Compared> compare(TargetSpec target, SimOptions base) {
        return timings.stream()
                .map(t -> new Compared(t.config(), Validation.fa2OrStandard(t.config(), target, base).seconds() * 1e3, t.ms()))
                .toList();
    }

    /** The comparison as Markdown: a table and, per method and pass, the mean absolute error. */
    public String markdown(TargetSpec target, List<Compared> rows) {
        StringBuilder b = new StringBuilder();
        b.append(f("### Measured on %s (%s), predicted for %s\n\n", device.orElse("an unnamed GPU"), source, target.name()));
        copyTbPerSecond.ifPresent(c -> b.append(f("Device-to-device copy: %.2f TB/s (bytes read + written) measured; ", c)));
        matmulTflops.ifPresent(m -> b.append(f("bf16 8192^3 matrix product: %.0f TFLOP/s measured.", m)));
        if (copyTbPerSecond.isPresent() || matmulTflops.isPresent()) {
            b.append("\n\n");
        }
        b.append("| configuration | batch x heads | predicted (ms) | measured (ms) | error |\n|---|---|---:|---:|---:|\n");
        for (Compared r : rows) {
            Config c = r.config();
            b.append(f("| %s %s | %d x %d | %.4g | %.4g | %+.1f%% |\n", c.label(), c.dtype(), c.batch(), c.heads(),
                    r.predictedMs(), r.measuredMs(), 100 * r.error()));
        }
        b.append("\nError: measured / predicted time - 1 (positive: predicted faster than measured).\n");
        for (boolean fa2 : new boolean[] {true, false}) {
            for (Pass pass : new Pass[] {Pass.FWD, Pass.BWD}) {
                List<Compared> group = rows.stream().filter(r -> r.config().fa2() == fa2 && r.config().pass() == pass).toList();
                if (!group.isEmpty()) {
                    double mean = group.stream().mapToDouble(r -> Math.abs(r.error())).average().orElse(0);
                    long within = group.stream().filter(r -> Math.abs(r.error()) <= 0.15).count();
                    b.append(f("%s %s: mean absolute error %.1f%%, %d of %d within 15%%.\n", fa2 ? "FlashAttention-2" : "Standard",
                            pass == Pass.FWD ? "forward" : "backward", 100 * mean, within, group.size()));
                }
            }
        }
        return b.toString();
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
