package io.attnkit.dsl.syntax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.check.TestLibrary;
import io.attnkit.dsl.check.Unparser;
import io.attnkit.dsl.parse.AttnLexer;
import io.attnkit.dsl.source.Diagnostic;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.source.Diagnostics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.Token;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The canonical formatter: parse(fmt(x)) equals x, for every example and for random syntax
 * trees; fmt keeps every comment, in order and between the same tokens (unless written inside a
 * statement); fmt is idempotent; and checking the formatted files gives the model the originals
 * give.
 */
class FormatterTest {

    /** Directories of .attn files to format: this module's own, and the project's examples and targets when present. */
    static List<Path> exampleDirectories() {
        List<Path> out = new ArrayList<>();
        out.add(TestLibrary.directory("/fmt"));
        for (Path p : List.of(Path.of("..", "examples"), Path.of("..", "targets", "src", "main", "resources"))) {
            if (Files.isDirectory(p)) {
                out.add(p);
            }
        }
        return out;
    }

    static List<Path> attnFiles(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".attn") && Files.isRegularFile(p) && !p.toString().contains("target"
                    + java.io.File.separator + "classes")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SourceParser.Result parse(String name, String text) {
        Diagnostics d = new Diagnostics();
        SourceParser.Result r = SourceParser.parse(name, text.getBytes(StandardCharsets.UTF_8), d);
        assertFalse(d.hasErrors(), () -> name + " does not parse:\n" + d.sorted().stream().map(DiagnosticRenderer::render)
                .collect(Collectors.joining()) + "\n" + text);
        return r;
    }

    private static String format(String name, String text) {
        Formatter.Result r = Formatter.format(name, text.getBytes(StandardCharsets.UTF_8));
        assertTrue(r.formatted().isPresent(), () -> name + " was not formatted:\n" + r.diagnostics().sorted().stream()
                .map(DiagnosticRenderer::render).collect(Collectors.joining()));
        return r.formatted().get();
    }

    /** The properties every formatting must have, whatever the input. */
    private static void assertCanonical(String name, String original) {
        String once = format(name, original);
        AttnFile before = parse(name, original).file();
        AttnFile after = parse(name, once).file();
        assertEquals(SyntaxTrees.withoutComments(before), SyntaxTrees.withoutComments(after), () -> "fmt changed the meaning:\n" + once);
        assertEquals(SyntaxTrees.commentTexts(original), SyntaxTrees.commentTexts(once), () -> "fmt lost or reordered comments:\n" + once);
        assertEquals(SyntaxTrees.significantTokens(original), SyntaxTrees.significantTokens(once), () -> "fmt changed the tokens:\n" + once);
        assertEquals(SyntaxTrees.commentPlaces(original), SyntaxTrees.commentPlaces(once),
                () -> "fmt moved a comment across a token:\n" + original + "\n---- formatted:\n" + once);
        String twice = format(name, once);
        assertEquals(once, twice, "fmt is not idempotent");
        assertEquals(after, parse(name, twice).file(), "the formatted tree is not a fixed point");
    }

    @TestFactory
    Stream<DynamicTest> everyExampleFormatsCanonically() {
        return exampleDirectories().stream().flatMap(dir -> attnFiles(dir).stream())
                .map(file -> DynamicTest.dynamicTest(file.toString(), () -> assertCanonical(file.toString(), Files.readString(file))));
    }

    /** Formatting every file of a directory and checking both copies gives the same programs. */
    @TestFactory
    Stream<DynamicTest> formattedExamplesCheckToTheSameModel(@TempDir Path temp) {
        return exampleDirectories().stream().map(dir -> DynamicTest.dynamicTest(dir.toString(), () -> {
            Path copy = temp.resolve(Integer.toHexString(dir.hashCode()));
            List<Path> files = attnFiles(dir);
            for (Path f : files) {
                Path target = copy.resolve(dir.relativize(f));
                Files.createDirectories(target.getParent());
                Files.writeString(target, format(f.toString(), Files.readString(f)));
            }
            Frontend.Library library = TestLibrary.builtins();
            for (Path f : files) {
                Frontend.Result original = Frontend.check(f, library, Optional.empty());
                Frontend.Result formatted = Frontend.check(copy.resolve(dir.relativize(f)), library, Optional.empty());
                assertEquals(codes(original), codes(formatted), f.toString());
                assertEquals(Unparser.print(original.program()).replace(dir.toAbsolutePath().normalize().toString(), "<dir>"),
                        Unparser.print(formatted.program()).replace(copy.toAbsolutePath().normalize().toString(), "<dir>"),
                        f.toString());
            }
        }));
    }

    private static List<String> codes(Frontend.Result r) {
        return r.diagnostics().sorted().stream().map(Diagnostic::code).map(Enum::name).toList();
    }

    @RepeatedTest(400)
    void aRandomTreePrintsAndParsesBackEqual(RepetitionInfo repetition) {
        AttnFile tree = new SyntaxGenerator(repetition.getCurrentRepetition()).file();
        String text = Printer.print(tree);
        assertEquals(tree, parse("random.attn", text).file(), text);
        assertEquals(text, format("random.attn", text));
    }

    /** Comments dropped at random between tokens: fmt keeps each, in order, and changes nothing else. */
    @TestFactory
    Stream<DynamicTest> commentsAnywhereSurvive() {
        return attnFiles(TestLibrary.directory("/fmt")).stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(),
                () -> {
                    String text = Files.readString(file);
                    for (int seed = 0; seed < 25; seed++) {
                        String commented = sprinkle(text, new SplittableRandom(seed));
                        assertEquals(SyntaxTrees.withoutComments(parse("x", text).file()),
                                SyntaxTrees.withoutComments(parse("x", commented).file()), commented);
                        assertCanonical(file.getFileName().toString(), commented);
                    }
                }));
    }

    /**
     * Inserts comments between tokens: block comments anywhere, line comments only where a line
     * may end (a line break inside a property item would end the item).
     */
    static String sprinkle(String text, SplittableRandom random) {
        AttnLexer lexer = new AttnLexer(CharStreams.fromString(text));
        List<? extends Token> tokens = lexer.getAllTokens();
        StringBuilder out = new StringBuilder();
        int from = 0;
        int n = 0;
        for (Token t : tokens) {
            int end = t.getStopIndex() + 1;
            out.append(text, from, end);
            from = end;
            if (random.nextInt(6) == 0) {
                boolean lineMayEnd = t.getType() == AttnLexer.SEMI || t.getType() == AttnLexer.LBRACE
                        || t.getType() == AttnLexer.COMMA || t.getType() == AttnLexer.RBRACE;
                if (lineMayEnd && random.nextBoolean()) {
                    out.append(" // note ").append(n++).append('\n');
                } else {
                    boolean glued = t.getType() != AttnLexer.SLASH && random.nextBoolean(); // '/' and '/*' would make '//'
                    out.append(glued ? "" : " ").append("/* note ").append(n++).append(" */")
                            .append(random.nextBoolean() ? " " : "");
                }
            }
        }
        return out.append(text.substring(from)).toString();
    }

    /** Hand-written files with a comment in every position a line-level node leaves. */
    @TestFactory
    Stream<DynamicTest> commentsInEveryPositionStayInPlace() {
        String lineComments = """
                // before the first import
                import "hardware.attn";  // after an import
                // between the imports
                import "sparse.attn";
                // between the imports and the first declaration

                // before the first declaration
                target t extends lab_cpu {  // after an opening brace
                  // before a property
                  cores 2;  // after a property
                  // before the closing brace
                }  // after a closing brace
                // between two declarations, on the next line

                router r {
                  sparse_ratio 50%;
                }
                // right after a closing brace

                // before the next declaration
                kernel k {
                  // before the first statement
                  shape heads 8, q_len 4K, head_dim 64;  // after a property

                  // after a blank line
                  mask ((causal)) & (window(8));  // after a mask, with parentheses fmt drops
                  name "a\\qb";  // an escape fmt drops
                  heads 0..3: dense;  // after a head assignment
                  heads 4..7: route r(dense, window(512));
                  // before the closing brace
                }  // after the last closing brace
                // at the end of the file
                """;
        String blockComments = """
                /* before everything */ import "hardware.attn"; /* after an import */
                kernel /* in a header */ k /* in a header */ { /* after a brace */ mask /* in a statement */ causal; /* after a statement */ } /* after a brace */ /* and another */
                kernel k2 { } /* after an empty block */ kernel k3 {
                  mask causal; } /* after a brace */ // then a line comment
                /* at the end */""";
        String glued = "kernel k {}// after a brace, no space\nkernel k2 {mask causal;}/* glued */kernel k3 {}/* end */";
        String onlyComments = "// a file\n\n/* of comments only */\n";
        String endsInComment = "kernel k {\n  mask causal;\n}  // no newline at the end";
        return Stream.of(lineComments, blockComments, glued, onlyComments, endsInComment).map(text -> DynamicTest.dynamicTest(
                text.lines().findFirst().orElse(""), () -> assertCanonical("handmade.attn", text)));
    }

    /** The user's report: a comment after a closing brace moved inside the block. */
    @Test
    void aCommentAfterAClosingBraceStaysAfterIt() {
        String text = """
                kernel a {
                  mask causal;
                }  // end of kernel a
                // between a and b

                kernel b {
                  mask causal;
                } /* end of b */
                """;
        assertEquals("""
                kernel a {
                  mask causal;
                }  // end of kernel a

                // between a and b

                kernel b {
                  mask causal;
                }  /* end of b */
                """, format("a.attn", text));
    }

    /**
     * A byte-order mark is kept by fmt, which is about layout, not encoding: a canonical file with
     * a mark is not "changed" (so {@code --check} passes and {@code --write} leaves it alone), and
     * one that is reformatted keeps its mark, on its own and not as a blank before the text.
     */
    @Test
    void aByteOrderMarkIsKeptAndIsNotAChange() {
        String canonical = format("a.attn", "kernel a {\n  mask causal;\n}\n");
        byte[] marked = ("\uFEFF" + canonical).getBytes(StandardCharsets.UTF_8);
        Formatter.Result same = Formatter.format("a.attn", marked);
        assertFalse(same.changed(), "only the mark differs from the canonical layout");
        assertEquals("\uFEFF" + canonical, same.formatted().orElseThrow());

        Formatter.Result untidy = Formatter.format("a.attn", "\uFEFFkernel a {   mask causal; }\n".getBytes(StandardCharsets.UTF_8));
        assertTrue(untidy.changed());
        assertEquals("\uFEFF" + canonical, untidy.formatted().orElseThrow());
        assertFalse(Formatter.format("a.attn", untidy.formatted().orElseThrow().getBytes(StandardCharsets.UTF_8)).changed(),
                "formatting the output again changes nothing");
        assertFalse(Formatter.format("a.attn", canonical.getBytes(StandardCharsets.UTF_8)).formatted().orElseThrow().startsWith("\uFEFF"),
                "no mark is added to a file without one");
    }

    @Test
    void aFileWithErrorsIsNotFormatted() {
        Formatter.Result r = Formatter.format("broken.attn", "kernel a { mask causal & ; }\nkernel b { }\n".getBytes(StandardCharsets.UTF_8));
        assertTrue(r.formatted().isEmpty(), "formatting would have dropped kernel a");
        assertTrue(r.diagnostics().hasErrors());
    }

    @Test
    void theCanonicalLayout() throws InputException {
        String messy = """
                import   "hardware.attn" ;   // targets
                /* header */


                // the kernel
                kernel   k{shape heads 8,q_len 4K ,head_dim 64;dtype bf16;   mask causal&(sink(4)|window(2048)) ;
                  heads 0 .. 3 : dense ; heads 4..7:route r ( dense , window( 512 ) ) ; /* routed */ }
                router r{sparse_ratio 50 % ;}
                """;
        assertEquals("""
                import "hardware.attn";  // targets

                /* header */

                // the kernel
                kernel k {
                  shape heads 8, q_len 4K, head_dim 64;
                  dtype bf16;
                  mask causal & (sink(4) | window(2048));
                  heads 0..3: dense;
                  heads 4..7: route r(dense, window(512));  /* routed */
                }

                router r {
                  sparse_ratio 50%;
                }
                """, format("messy.attn", messy));
    }
}
