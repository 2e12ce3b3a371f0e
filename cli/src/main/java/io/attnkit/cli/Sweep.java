package io.attnkit.cli;

import io.attnkit.dsl.syntax.AttnFile;
import io.attnkit.dsl.syntax.Decl;
import io.attnkit.dsl.syntax.Property;
import io.attnkit.dsl.syntax.SourceParser;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code --sweep KEY=V1,V2,...}: one shape setting of the kernel, set to each value in turn. The
 * value is written into the kernel's source and the file checked again, so every point passes
 * the language's own checks (ranges, E023, documents that must sum to {@code kv_len}, selectors
 * that must fit) and a bad one is reported at its line and column.
 */
record Sweep(String key, List<String> values) {
    static final List<String> KEYS = List.of("batch", "heads", "kv_heads", "q_len", "kv_len", "head_dim", "v_dim");
    /** Counts as the language writes them ({@code 4096}, {@code 128K}); nothing else can reach the source. */
    private static final Pattern VALUE = Pattern.compile("[0-9]{1,10}[KM]?");
    static final int MAX_POINTS = 64;

    Sweep {
        values = List.copyOf(values);
    }

    static Sweep parse(String option) {
        int eq = option.indexOf('=');
        String key = eq < 0 ? option : option.substring(0, eq);
        if (!KEYS.contains(key)) {
            throw new CliException(ExitCodes.USAGE, "--sweep takes a shape setting, one of " + String.join(", ", KEYS)
                    + ", as KEY=V1,V2,...; not '" + option + "'");
        }
        List<String> values = eq < 0 ? List.of() : Arrays.stream(option.substring(eq + 1).split(",", -1)).map(String::strip)
                .toList();
        if (values.isEmpty() || values.stream().anyMatch(v -> !VALUE.matcher(v).matches())) {
            throw new CliException(ExitCodes.USAGE, "--sweep " + key + " takes counts such as 1024 or 128K, comma-separated; "
                    + "not '" + option.substring(Math.min(option.length(), eq + 1)) + "'");
        }
        if (values.size() > MAX_POINTS) {
            throw new CliException(ExitCodes.USAGE, "--sweep takes at most " + MAX_POINTS + " values, not " + values.size());
        }
        return new Sweep(key, values);
    }

    /**
     * The text of {@code root} with kernel {@code kernel}'s {@code shape} setting {@link #key} set to
     * {@code value}: the number replaced where it is written, appended to the {@code shape} line
     * where it is not (so a swept {@code q_len} still drags an unwritten {@code kv_len} with it).
     */
    String rewrite(SourceParser.Result root, String kernel, String value) {
        String text = root.source().text();
        Decl.KernelDecl decl = kernelDecl(root.file(), kernel);
        Property shape = decl.body().stream().filter(s -> s instanceof Property p && p.key().text().equals("shape"))
                .map(Property.class::cast).findFirst()
                .orElseThrow(() -> new CliException(ExitCodes.USAGE, "--sweep: kernel '" + kernel + "' has no shape of its own"));
        for (Property.Item item : shape.items()) {
            List<Property.Word> words = item.words();
            if (words.size() == 2 && words.get(0) instanceof Property.Word.Ident id && id.text().equals(key)
                    && words.get(1) instanceof Property.Word.Quantity q) {
                return text.substring(0, q.span().start()) + value + text.substring(q.span().end());
            }
        }
        int end = shape.items().getLast().span().end();
        return text.substring(0, end) + ", " + key + " " + value + text.substring(end);
    }

    private static Decl.KernelDecl kernelDecl(AttnFile file, String kernel) {
        return file.decls().stream().filter(d -> d instanceof Decl.KernelDecl k && k.name().text().equals(kernel))
                .map(Decl.KernelDecl.class::cast).findFirst()
                .orElseThrow(() -> new CliException(ExitCodes.USAGE, "--sweep: kernel '" + kernel
                        + "' is imported; sweep it in the file that declares it"));
    }
}
