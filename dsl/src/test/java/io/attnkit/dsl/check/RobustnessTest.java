package io.attnkit.dsl.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.parse.AttnLexer;
import io.attnkit.dsl.source.Diagnostic;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.source.Diagnostics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.Token;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed input of every kind the issue names, generated: the front end returns normally,
 * reports at least one {@code file:line:col} diagnostic (or, for what cannot be read, an
 * {@link InputException}), and does so within the bound the issue sets for each input.
 */
class RobustnessTest {
    /** The bound for one input; the inputs here take a small fraction of it. */
    private static final Duration BOUND = Duration.ofSeconds(10);
    /**
     * Checking 10 MB of valid kernels is real work (about 3 s on an idle 2-core machine); this
     * test is about exactness, so it only guards against hangs. Speed is FrontendBenchmark's job.
     */
    private static final Duration LARGE_VALID_BOUND = Duration.ofSeconds(60);
    private static final Pattern HEADLINE = Pattern.compile("^[^\\n]+:\\d+:\\d+: (error\\[E\\d{3}]|warning\\[W\\d{3}]): [^\\n]+$");
    private static final int TEN_MB = 10 << 20;

    @TempDir
    static Path dir;

    /** An input and whether it must be reported: mutants of valid files may be valid themselves. */
    record Input(String name, Supplier<byte[]> bytes, boolean mustReport) {
    }

    /** Checks {@code input} as a file, as the CLI would, and asserts the front end behaved. */
    private static void assertWellBehaved(Input input) {
        assertTimeoutPreemptively(BOUND, () -> {
            Path file = dir.resolve(input.name() + ".attn");
            Files.write(file, input.bytes().get());
            Frontend.Result result = Frontend.check(file, TestLibrary.LIBRARY, Optional.empty());
            assertWellFormed(result.diagnostics(), input.name());
            if (input.mustReport()) {
                assertTrue(result.diagnostics().hasErrors(), input.name() + " was accepted");
            }
            Files.delete(file);
        }, input.name());
    }

    static void assertWellFormed(Diagnostics diagnostics, String what) {
        assertTrue(diagnostics.all().size() <= Diagnostics.LIMIT + 1, what + ": more diagnostics than the limit");
        for (Diagnostic d : diagnostics.all()) {
            assertTrue(d.span().isKnown() && d.span().end() <= d.span().source().text().length(), what + ": bad span " + d);
            assertTrue(HEADLINE.matcher(d.headline()).matches(), what + ": " + d.headline());
            String rendered = DiagnosticRenderer.render(d);
            assertTrue(rendered.length() < 4000, what + ": a rendering of " + rendered.length() + " characters");
        }
    }

    private static Input input(String name, Supplier<byte[]> bytes) {
        return new Input(name, bytes, true);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] randomBytes(long seed, int n) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** Random printable text over the characters the grammar cares about. */
    private static byte[] randomText(long seed, int n) {
        String alphabet = "kernel target router import mask heads route shape 0123456789 {}();,:.-*&|!/\"%\n\t#@$é";
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder b = new StringBuilder(n);
        while (b.length() < n) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return utf8(b.toString());
    }

    private static final String VALID = TestLibrary.resource("/fmt/sparse.attn");

    private static byte[] validLooking(int size) {
        StringBuilder b = new StringBuilder(size + 1000);
        for (int i = 0; b.length() < size; i++) {
            b.append("kernel k").append(i).append(" {  // a kernel\n")
                    .append("  shape batch 1, heads 32, kv_heads 8, q_len 4K, head_dim 128;\n")
                    .append("  dtype bf16, accumulate f32;\n  tile q 64, kv 64, stages 2;\n")
                    .append("  mask causal & (sink(4) | window(2048));\n")
                    .append("  heads 0..7: dense;\n  heads 8..31: window(512);\n}\n");
        }
        return utf8(b.toString());
    }

    @TestFactory
    Stream<DynamicTest> malformedInputs() {
        String longName = "n".repeat(100_000);
        List<Input> inputs = new ArrayList<>(List.of(
                input("empty-binary", () -> new byte[] {0}),
                input("random-bytes-1", () -> randomBytes(1, 1)),
                input("random-bytes-100", () -> randomBytes(2, 100)),
                input("random-bytes-64k", () -> randomBytes(3, 64 << 10)),
                input("random-bytes-10mb", () -> randomBytes(4, TEN_MB)),
                input("random-text-64k", () -> randomText(5, 64 << 10)),
                input("random-text-1mb", () -> randomText(6, 1 << 20)),
                input("nul-laden", () -> utf8(VALID.replace(";", ";\0\0\0"))),
                input("nuls-only", () -> new byte[1 << 20]),
                input("invalid-utf8-sprinkled", () -> {
                    byte[] v = utf8(VALID);
                    for (int i = 7; i < v.length; i += 97) {
                        v[i] = (byte) 0xC0;
                    }
                    return v;
                }),
                input("utf16", () -> VALID.getBytes(StandardCharsets.UTF_16)),
                input("trojan-source", () -> utf8("kernel k {\n  shape heads 4, q_len 8, head_dim 8;\n"
                        + "  /*\u202E } \u2066heads 0..3: dense;\u2069 \u2066*/\n  heads 0..3: causal; // \u200F\u061C\n}\n")),
                input("parens-100k", () -> utf8("kernel k { mask " + "(".repeat(100_000) + "causal" + ")".repeat(100_000) + "; }")),
                input("nots-100k", () -> utf8("kernel k { mask " + "!".repeat(100_000) + "causal; }")),
                input("not-parens-100k", () -> utf8("kernel k { mask " + "!(".repeat(50_000) + "causal" + ")".repeat(50_000) + "; }")),
                input("unclosed-parens-100k", () -> utf8("kernel k { mask " + "(".repeat(100_000))),
                input("braces-100k", () -> utf8("kernel k " + "{".repeat(100_000))),
                input("closing-braces-100k", () -> utf8("}".repeat(100_000))),
                input("semicolons-1mb", () -> utf8(";".repeat(1 << 20))),
                input("comments-only-10mb-unterminated", () -> utf8("// a\n".repeat(1 << 20) + "/* open")),
                input("unterminated-comment", () -> utf8(VALID.substring(0, VALID.length() / 2) + "/* never closed")),
                input("unterminated-string", () -> utf8("router r { weights \"w.safetensors; }\nkernel k { shape heads 1; }\n")),
                input("string-10mb-unterminated", () -> utf8("router r { weights \"" + "w".repeat(TEN_MB))),
                input("identifier-100k-kernel", () -> utf8("kernel " + longName + " { shape heads 0; }")),
                input("identifier-100k-key", () -> utf8("kernel k { " + longName + " 1; }")),
                input("identifier-100k-unit", () -> utf8("kernel k { shape heads 4 " + longName + ", q_len 8, head_dim 8; }")),
                input("identifier-100k-mask", () -> utf8("kernel k { shape heads 1, q_len 8, head_dim 8; mask " + longName + "; }")),
                input("identifier-100k-target", () -> utf8("kernel k { shape heads 1, q_len 8, head_dim 8; target " + longName + "; }")),
                input("identifier-100k-router", () -> utf8("kernel k { shape heads 1, q_len 8, head_dim 8; heads *: route "
                        + longName + "(dense, causal); }")),
                input("identifier-10mb", () -> utf8("target " + "t".repeat(TEN_MB) + " {}")),
                input("huge-exponent", () -> utf8("kernel k { shape heads 1e99999999999, q_len 1e-99999999999, head_dim 1E+2147483648; }")),
                input("huge-exponents-in-masks", () -> utf8("kernel k { shape heads 1, q_len 8, head_dim 8; "
                        + "mask window(1e99999999999) & xattention(1e9999, 1e-9999, 1e99999999999) & document(1e400); }")),
                input("huge-numbers", () -> utf8("kernel k { shape batch 99999999999999999999, heads " + "9".repeat(100_000)
                        + ", q_len 0." + "0".repeat(100_000) + "1, head_dim -" + "9".repeat(1000) + "; }")),
                input("number-10mb", () -> utf8("kernel k { shape heads " + "7".repeat(TEN_MB) + "; }")),
                input("overflowing-products", () -> utf8("kernel k { shape batch 1M, heads 64K, q_len 2147483647, "
                        + "kv_len 2147483647, head_dim 64K; tile q 65536, kv 65536, stages 16; }")),
                input("huge-heads", () -> utf8("kernel k { shape heads 2147483647, q_len 1, head_dim 1; heads 0..2147483646: dense; }")),
                input("huge-head-ranges", () -> utf8("kernel k { shape heads 65536, q_len 1, head_dim 1; heads 0..99999999999: dense;"
                        + " heads 0..65535: dense; heads 1e400: dense; }")),
                input("mask-chain-2mb", () -> utf8("kernel k { shape heads 1, q_len 8, head_dim 8; mask "
                        + "causal & window(4) | ".repeat((2 << 20) / 21) + "windw(4); }")),
                input("duplicates-100k", () -> utf8("router r { sparse_ratio 0.5; }\n".repeat(100_000))),
                input("self-import", () -> utf8("import \"self-import.attn\";\n")),
                input("import-garbage", () -> utf8("import \"random-bytes-import.attn\";\nimport \"/\";\nimport \"\";\n"
                        + "import \"" + "x/".repeat(5000) + "\";\n"))));
        return inputs.stream().map(i -> DynamicTest.dynamicTest(i.name(), () -> assertWellBehaved(i)));
    }

    /** Every prefix (at a sample of cut points) and many token-level mutants of a valid file. */
    @TestFactory
    Stream<DynamicTest> truncationsAndMutationsOfValidFiles() {
        List<String> valid = List.of(VALID, TestLibrary.resource("/fmt/elastic.attn"), TestLibrary.resource("/fmt/hardware.attn"));
        List<DynamicTest> tests = new ArrayList<>();
        for (int v = 0; v < valid.size(); v++) {
            String text = valid.get(v);
            int file = v;
            tests.add(DynamicTest.dynamicTest("truncations of file " + v, () -> assertTimeoutPreemptively(BOUND, () -> {
                SplittableRandom r = new SplittableRandom(file);
                for (int i = 0; i < 150; i++) {
                    int cut = r.nextInt(text.length());
                    Frontend.Result result = Frontend.checkText("cut.attn", text.substring(0, cut), TestLibrary.LIBRARY);
                    assertWellFormed(result.diagnostics(), "cut at " + cut);
                }
            })));
            tests.add(DynamicTest.dynamicTest("token mutations of file " + v, () -> assertTimeoutPreemptively(BOUND, () -> {
                List<String> tokens = tokens(text);
                SplittableRandom r = new SplittableRandom(100 + file);
                for (int i = 0; i < 300; i++) {
                    String mutant = mutate(tokens, r);
                    Frontend.Result result = Frontend.checkText("mutant.attn", mutant, TestLibrary.LIBRARY);
                    assertWellFormed(result.diagnostics(), mutant);
                }
            })));
        }
        return tests.stream();
    }

    /** The text of a source cut into its tokens, whitespace and comments kept with the token before them. */
    private static List<String> tokens(String text) {
        AttnLexer lexer = new AttnLexer(CharStreams.fromString(text));
        List<String> out = new ArrayList<>();
        int from = 0;
        for (Token t : lexer.getAllTokens()) {
            out.add(text.substring(from, t.getStopIndex() + 1));
            from = t.getStopIndex() + 1;
        }
        out.add(text.substring(from));
        return out;
    }

    private static final List<String> REPLACEMENTS = List.of(" ", ";", "{", "}", "(", ")", ",", ":", "..", "*", "&", "|", "!",
            "-", "%", "/", " kernel ", " target ", " router ", " import ", " heads ", " mask ", " route ", " 0 ", " -1 ",
            " 1e99999 ", " 4294967296 ", " x ", "\"", "/*", "//", " causal ", " topk_blocks(", " 0..", "\u202E", "\0", "\uFFFD");

    private static String mutate(List<String> tokens, SplittableRandom r) {
        List<String> t = new ArrayList<>(tokens);
        int edits = 1 + r.nextInt(3);
        for (int e = 0; e < edits && t.size() > 1; e++) {
            int i = r.nextInt(t.size());
            switch (r.nextInt(4)) {
                case 0 -> t.remove(i);
                case 1 -> t.add(i, t.get(r.nextInt(t.size())));
                case 2 -> t.set(i, REPLACEMENTS.get(r.nextInt(REPLACEMENTS.size())));
                default -> {
                    int j = r.nextInt(t.size());
                    String a = t.get(i);
                    t.set(i, t.get(j));
                    t.set(j, a);
                }
            }
        }
        return String.join("", t);
    }

    /** 10 MB of valid kernels, one broken in the middle and stray text at the end: exactly those two errors. */
    @Test
    void aLargeFileReportsItsErrorsAndChecksTheRest() {
        byte[] valid = validLooking(TEN_MB);
        String text = new String(valid, StandardCharsets.UTF_8);
        int middle = text.indexOf("kernel", text.length() / 2);
        String input = text.substring(0, middle) + "kernel broken { mask causal &; }\n" + text.substring(middle) + "garbage!\n";
        int kernels = text.split("kernel ", -1).length - 1;
        assertTimeoutPreemptively(LARGE_VALID_BOUND, () -> {
            Frontend.Result r = Frontend.checkText("large.attn", input, TestLibrary.LIBRARY);
            assertWellFormed(r.diagnostics(), "large.attn");
            assertEquals(List.of("E001", "E001"), r.diagnostics().sorted().stream().map(d -> d.code().name()).toList());
            assertEquals(kernels, r.program().kernels().size());
        });
    }

    /** A generated mask of many terms: up to the bound it checks, past it one E045 and nothing else. */
    @Test
    void aMaskHasAtMostMaxTermsTerms() {
        for (int terms : new int[] {MaskResolver.MAX_TERMS - 1, MaskResolver.MAX_TERMS, MaskResolver.MAX_TERMS + 1, 20_000}) {
            StringBuilder mask = new StringBuilder("causal");
            for (int i = 1; i < terms; i++) {
                mask.append(i % 3 == 0 ? " | " : " & ").append(i % 2 == 0 ? "window(" + i + ")" : "!sink(" + i + ")");
            }
            String text = "kernel many {\n  shape heads 1, q_len 64K, head_dim 64;\n  mask " + mask + ";\n}\n";
            Frontend.Result r = assertTimeoutPreemptively(BOUND, () -> Frontend.checkText("many.attn", text, TestLibrary.LIBRARY));
            List<String> codes = r.diagnostics().sorted().stream().map(d -> d.code().name()).toList();
            if (terms <= MaskResolver.MAX_TERMS) {
                assertEquals(List.of(), codes, terms + " terms");
            } else {
                assertWellFormed(r.diagnostics(), "many.attn");
                assertEquals(List.of("E045"), codes, terms + " terms");
                assertTrue(r.diagnostics().sorted().getFirst().message().startsWith("mask has " + terms + " terms"));
            }
        }
    }

    @Test
    void aDirectoryIsAnInputError() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("a-directory.attn"));
        InputException e = assertThrows(InputException.class, () -> Frontend.check(sub, TestLibrary.LIBRARY, Optional.empty()));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void aMissingFileIsAnInputError() {
        InputException e = assertThrows(InputException.class,
                () -> Frontend.check(dir.resolve("no-such.attn"), TestLibrary.LIBRARY, Optional.empty()));
        assertTrue(e.getMessage().endsWith("no such file"), e.getMessage());
    }

    @Test
    void aDeviceIsAnInputError() {
        Path zero = Path.of("/dev/zero");
        if (Files.exists(zero)) {
            InputException e = assertThrows(InputException.class, () -> Frontend.check(zero, TestLibrary.LIBRARY, Optional.empty()));
            assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        }
    }

    @Test
    void anUnknownTargetOverrideIsAnInputError() {
        Path file = dir.resolve("ok.attn");
        try {
            Files.writeString(file, "kernel k { shape heads 1, q_len 8, head_dim 8; }\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        InputException e = assertThrows(InputException.class, () -> Frontend.check(file, TestLibrary.LIBRARY, Optional.of("testgpv")));
        assertTrue(e.getMessage().contains("did you mean 'testgpu'"), e.getMessage());
    }

    @Test
    void importsOfWhatCannotBeReadAreDiagnostics() throws IOException {
        Files.write(dir.resolve("random-bytes-import.attn"), randomBytes(9, 4096));
        Path chainStart = dir.resolve("chain-0.attn");
        for (int i = 0; i < 200; i++) { // a long chain of imports, its last link missing
            Files.writeString(dir.resolve("chain-" + i + ".attn"), "import \"chain-" + (i + 1) + ".attn\";\n");
        }
        assertTimeoutPreemptively(BOUND, () -> {
            Frontend.Result r = Frontend.check(chainStart, TestLibrary.LIBRARY, Optional.empty());
            assertWellFormed(r.diagnostics(), "import chain");
            assertTrue(r.diagnostics().all().stream().anyMatch(d -> d.message().contains("chain-200.attn")));
        });
    }
}
