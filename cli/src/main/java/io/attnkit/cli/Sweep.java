package io.attnkit.cli;

import io.attnkit.dsl.check.Counts;
import io.attnkit.dsl.source.Diagnostics;
import io.attnkit.dsl.syntax.AttnFile;
import io.attnkit.dsl.syntax.Decl;
import io.attnkit.dsl.syntax.Property;
import io.attnkit.dsl.syntax.SourceParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * {@code --sweep KEY=V1,V2,...}: one setting of the kernel, a shape size ({@code q_len}), a
 * tile setting ({@code tile.q}) or its target, set to each value in turn. The value is written into the
 * kernel's source and the file checked again, so every point passes the language's own checks
 * (ranges, E023, documents that must sum to {@code kv_len}, tiles that must fit shared memory) and
 * a bad one is reported at its line and column.
 *
 * @param property the statement that holds the setting: {@code shape}, {@code tile} or {@code target}
 * @param name     the setting within it: {@code q_len}, {@code q}, ...
 */
record Sweep(String key, String property, String name, List<String> values) {
    static final List<String> SHAPE_KEYS = List.of("batch", "heads", "kv_heads", "q_len", "kv_len", "head_dim", "v_dim");
    static final List<String> TILE_KEYS = List.of("q", "kv", "stages", "warps");
    /** The name of a target, built in or declared in the file; it replaces the kernel's as --target does. */
    private static final Pattern TARGET = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,99}");
    /** Simulations one command may ask for, all sweeps multiplied. */
    static final int MAX_POINTS = 64;

    Sweep {
        values = List.copyOf(values);
    }

    static Sweep parse(String option) {
        int eq = option.indexOf('=');
        String key = eq < 0 ? option : option.substring(0, eq);
        String tile = key.startsWith("tile.") ? key.substring(5) : null;
        boolean target = key.equals("target");
        if (!(SHAPE_KEYS.contains(key) || tile != null && TILE_KEYS.contains(tile) || target)) {
            throw new CliException(ExitCodes.USAGE, "--sweep takes KEY=V1,V2,... with KEY a shape setting ("
                    + String.join(", ", SHAPE_KEYS) + "), tile." + String.join(", tile.", TILE_KEYS) + " or target; not '"
                    + option + "'");
        }
        List<String> values = eq < 0 ? List.of() : Arrays.stream(option.substring(eq + 1).split(",", -1)).map(String::strip)
                .toList();
        // counts as the language reads them (it judges their range once written in): nothing else reaches the source
        Predicate<String> valid = target ? v -> TARGET.matcher(v).matches() : Counts::isLiteral;
        String accepted = target ? "target names" : "counts as the language writes them (1024, 1e3, 128K, 1Mi; suffixes "
                + Counts.SUFFIXES + ")";
        if (values.isEmpty()) {
            throw new CliException(ExitCodes.USAGE, "--sweep " + key + " takes " + accepted + ", comma-separated");
        }
        for (String v : values) {
            if (!valid.test(v)) {
                throw new CliException(ExitCodes.USAGE, "--sweep " + key + ": " + (v.isEmpty() ? "an empty value" : "'" + v + "'")
                        + " is not " + (target ? "a target name" : "a count") + "; it takes " + accepted + ", comma-separated");
            }
        }
        return target ? new Sweep(key, "target", key, values)
                : tile == null ? new Sweep(key, "shape", key, values) : new Sweep(key, "tile", tile, values);
    }

    /** The target a point names, when a sweep is over targets: it replaces the kernel's, as --target does. */
    static Optional<String> target(List<Sweep> sweeps, List<String> point) {
        for (int i = 0; i < sweeps.size(); i++) {
            if (sweeps.get(i).property().equals("target")) {
                return Optional.of(point.get(i));
            }
        }
        return Optional.empty();
    }

    /**
     * Every combination of the sweeps' values, the first sweep's slowest (one empty point without
     * sweeps); refused past {@link #MAX_POINTS}.
     */
    static List<List<String>> grid(List<Sweep> sweeps) {
        long count = 1;
        long cap = 1L << 32; // below it, times a list's size (under 2^31), a count cannot overflow
        for (Sweep s : sweeps) {
            count = Math.min(count * s.values().size(), cap);
        }
        if (count > MAX_POINTS) {
            throw new CliException(ExitCodes.USAGE, "--sweep asks for " + (count == cap ? "over " + cap : count)
                    + " simulations; at most " + MAX_POINTS);
        }
        if (sweeps.stream().map(Sweep::key).distinct().count() < sweeps.size()) {
            throw new CliException(ExitCodes.USAGE, "--sweep names a setting twice");
        }
        List<List<String>> points = List.of(List.of());
        for (Sweep s : sweeps) {
            List<List<String>> next = new ArrayList<>();
            for (List<String> point : points) {
                for (String v : s.values()) {
                    List<String> longer = new ArrayList<>(point);
                    longer.add(v);
                    next.add(List.copyOf(longer));
                }
            }
            points = next;
        }
        return points;
    }

    /** {@code text} (a file named {@code name}) with each sweep's setting of {@code kernel} set to its value in {@code point}. */
    static String rewrite(String name, String text, String kernel, List<Sweep> sweeps, List<String> point) {
        for (int i = 0; i < sweeps.size(); i++) {
            // parsed again after each edit, so that the next one's positions are those of the edited text
            SourceParser.Result parsed = SourceParser.parse(name, text.getBytes(StandardCharsets.UTF_8), new Diagnostics());
            text = sweeps.get(i).rewrite(parsed, kernel, point.get(i));
        }
        return text;
    }

    /**
     * The text of {@code root} with kernel {@code kernel}'s setting set to {@code value}: the
     * number replaced where it is written, added where the file leaves it to its default (so a
     * swept {@code q_len} still drags an unwritten {@code kv_len} with it).
     */
    String rewrite(SourceParser.Result root, String kernel, String value) {
        String text = root.source().text();
        if (property.equals("target")) {
            return text; // chosen as --target chooses, by the check, not in the text
        }
        Decl.KernelDecl decl = kernelDecl(root.file(), kernel);
        Optional<Property> statement = property(decl, property);
        if (statement.isEmpty()) { // only tile may be left out: a new statement after the shape
            Property shape = property(decl, "shape").orElseThrow(() -> new CliException(ExitCodes.USAGE,
                    "--sweep: kernel '" + kernel + "' has no shape"));
            int end = shape.span().end();
            return text.substring(0, end) + " " + property + " " + name + " " + value + ";" + text.substring(end);
        }
        for (Property.Item item : statement.get().items()) {
            List<Property.Word> words = item.words();
            if (words.size() == 2 && words.get(0) instanceof Property.Word.Ident id && id.text().equals(name)
                    && words.get(1) instanceof Property.Word.Quantity q) {
                return text.substring(0, q.span().start()) + value + text.substring(q.span().end());
            }
        }
        int end = statement.get().items().getLast().span().end();
        return text.substring(0, end) + ", " + name + " " + value + text.substring(end);
    }

    private static Optional<Property> property(Decl.KernelDecl decl, String key) {
        return decl.body().stream().filter(s -> s instanceof Property p && p.key().text().equals(key))
                .map(Property.class::cast).findFirst();
    }

    private static Decl.KernelDecl kernelDecl(AttnFile file, String kernel) {
        return file.decls().stream().filter(d -> d instanceof Decl.KernelDecl k && k.name().text().equals(kernel))
                .map(Decl.KernelDecl.class::cast).findFirst()
                .orElseThrow(() -> new CliException(ExitCodes.USAGE, "--sweep: kernel '" + kernel
                        + "' is imported; sweep it in the file that declares it"));
    }
}
