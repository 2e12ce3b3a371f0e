package io.attnkit.dsl.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.attnkit.dsl.source.Diagnostic;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.source.ErrorCode;
import io.attnkit.dsl.source.SourceFile;
import io.attnkit.dsl.syntax.SourceParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Checks every {@code diagnostics/*.attn} and compares what the front end reports with what the
 * file itself expects, in the manner of Error Prone: a comment such as
 *
 * <pre>  heads 4..9: dense;  // error[E020]: already assigned</pre>
 *
 * expects, on its line, a diagnostic with that code whose message contains that text (in a
 * {@code //} or {@code /*} comment), and {@code warning[W001]: ...} a warning;
 * {@code error[E020]@9: ...} also pins the column, and {@code note: text} after the message
 * text expects a note that contains it. One comment may hold several expectations. A diagnostic
 * nobody expected fails the test as much as an expected one that is missing. Files under
 * {@code diagnostics/imported/} are only imported; their expectations count too.
 */
class ExpectedDiagnosticsTest {
    private static final Pattern EXPECTATION = Pattern.compile(
            "(error\\[E|warning\\[W)(\\d{3})](?:@(\\d+))?:\\s*(.*?)\\s*(?=error\\[E\\d{3}]|warning\\[W\\d{3}]|$)");
    private static final Pattern HEADLINE = Pattern.compile("^[^\\n]+:\\d+:\\d+: (error\\[E|warning\\[W)\\d{3}]: [^\\n]+$");

    record Expected(String file, int line, ErrorCode code, Optional<Integer> column, String message, List<String> notes) {
        boolean matches(Diagnostic d) {
            return d.span().source().name().equals(file) && d.span().line() == line && d.code() == code
                    && d.isError() == code.name().startsWith("E")
                    && column.map(c -> c == d.span().column()).orElse(true)
                    && d.message().contains(message)
                    && notes.stream().allMatch(n -> d.notes().stream().anyMatch(x -> x.contains(n)));
        }

        @Override
        public String toString() {
            return file + ":" + line + column.map(c -> ":" + c).orElse("") + ": " + (code.name().startsWith("E") ? "error" : "warning")
                    + "[" + code + "]: " + message
                    + (notes.isEmpty() ? "" : " note: " + String.join(" note: ", notes));
        }
    }

    static List<Path> inputs() throws IOException {
        try (Stream<Path> files = Files.list(TestLibrary.directory("/diagnostics"))) {
            return files.filter(p -> p.toString().endsWith(".attn")).sorted().toList();
        }
    }

    /** The expectations written in a source, by line. */
    static List<Expected> expectations(SourceFile source) {
        List<Expected> out = new ArrayList<>();
        for (int line = 1; line <= source.lineCount(); line++) {
            String text = source.line(line);
            int comment = text.indexOf("//");
            int block = text.indexOf("/*");
            comment = comment < 0 ? block : block < 0 ? comment : Math.min(comment, block);
            if (comment < 0) {
                continue;
            }
            Matcher m = EXPECTATION.matcher(text.substring(comment + 2));
            while (m.find()) {
                String[] parts = m.group(4).split("\\s+note:\\s+");
                out.add(new Expected(source.name(), line, ErrorCode.valueOf(m.group(1).substring(m.group(1).length() - 1) + m.group(2)),
                        Optional.ofNullable(m.group(3)).map(Integer::parseInt), parts[0],
                        List.of(parts).subList(1, parts.length)));
            }
        }
        return out;
    }

    static Frontend.Result check(Path file) {
        try {
            return Frontend.check(file, TestLibrary.LIBRARY, Optional.empty());
        } catch (InputException e) {
            throw new AssertionError("the test input cannot be read: " + e.getMessage(), e);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFileReportsExactlyWhatItExpects() throws IOException {
        return inputs().stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            Frontend.Result result = check(file);
            List<Expected> expected = new ArrayList<>();
            for (SourceParser.Result parsed : result.files()) {
                expected.addAll(expectations(parsed.source()));
            }
            assertTrue(!expected.isEmpty(), "a diagnostics test input expects nothing: " + file);
            List<Diagnostic> unexpected = new ArrayList<>();
            for (Diagnostic d : result.diagnostics().sorted()) {
                assertTrue(HEADLINE.matcher(d.headline()).matches(), "not file:line:col: error[E…]: message — " + d.headline());
                DiagnosticRenderer.render(d);
                Optional<Expected> hit = expected.stream().filter(e -> e.matches(d)).findFirst();
                if (hit.isPresent()) {
                    expected.remove(hit.get());
                } else {
                    unexpected.add(d);
                }
            }
            if (!expected.isEmpty() || !unexpected.isEmpty()) {
                StringBuilder why = new StringBuilder();
                expected.forEach(e -> why.append("missing:    ").append(e).append('\n'));
                unexpected.forEach(d -> why.append("unexpected: ").append(DiagnosticRenderer.render(d)));
                fail(file.getFileName() + "\n" + why);
            }
        }));
    }

    @Test
    void everyErrorCodeHasAnExample() throws IOException {
        Set<ErrorCode> seen = EnumSet.noneOf(ErrorCode.class);
        Path base = TestLibrary.directory("/diagnostics");
        try (Stream<Path> files = Files.walk(base)) {
            for (Path p : files.filter(x -> x.toString().endsWith(".attn") && Files.isRegularFile(x)).toList()) {
                String text = new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.UTF_8);
                expectations(new SourceFile(p.toString(), text)).forEach(e -> seen.add(e.code()));
            }
        }
        assertEquals(EnumSet.allOf(ErrorCode.class), seen, "codes without an example under diagnostics/");
    }
}
