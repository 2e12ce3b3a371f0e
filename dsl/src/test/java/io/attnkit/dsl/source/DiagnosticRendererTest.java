package io.attnkit.dsl.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.check.Frontend;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Golden renderings: the headline, the source line, the caret under the span, the notes. */
class DiagnosticRendererTest {

    private static String check(String name, String text) {
        Frontend.Result r = Frontend.checkText(name, text, Frontend.Library.EMPTY);
        StringBuilder out = new StringBuilder();
        r.diagnostics().sorted().forEach(d -> out.append(DiagnosticRenderer.render(d)));
        return out.toString();
    }

    private static String render(String text, int start, int end, String... notes) {
        SourceFile f = new SourceFile("f.attn", text);
        return DiagnosticRenderer.render(Diagnostic.error(ErrorCode.E015, new Span(f, start, end), "message", notes));
    }

    @Test
    void caretUnderTheSpanAndNotesBelow() {
        assertEquals("""
                gqa.attn:2:19: error[E023]: heads 32 is not a multiple of kv_heads 6
                 2 |   shape heads 32, kv_heads 6, q_len 4K, head_dim 128;
                   |                   ^^^^^^^^^^
                  = note: with grouped-query attention each KV head serves heads / kv_heads query heads; \
                kv_heads may be 1, 2, 4, 8, 16, 32
                """, check("gqa.attn", "kernel k {\n  shape heads 32, kv_heads 6, q_len 4K, head_dim 128;\n}\n"));
    }

    @Test
    void aMissingSeparatorPointsAtTheEndOfTheLine() {
        assertEquals("""
                semi.attn:2:19: error[E001]: expected ';' or ',' after '0.5', found '}' on the next line
                 2 |   sparse_ratio 0.5
                   |                   ^
                """, check("semi.attn", "router r {\n  sparse_ratio 0.5\n}\n"));
    }

    @Test
    void endOfFileInsideADeclarationNamesWhereItStarts() {
        assertEquals("""
                eof.attn:2:40: error[E001]: unexpected end of file: kernel 'k' has no closing '}'
                 2 |   shape heads 8, q_len 1K, head_dim 64;
                   |                                        ^
                  = note: it starts at eof.attn:1:1
                """, check("eof.attn", "kernel k {\n  shape heads 8, q_len 1K, head_dim 64;\n"));
    }

    @Test
    void tabsPrintAsOneSpaceSoTheCaretStaysAligned() {
        assertEquals("""
                tabs.attn:3:14: error[E040]: unknown mask 'windw'; did you mean 'window'?
                 3 |  heads 0..7: windw(4);
                   |              ^^^^^
                  = note: masks: dense, causal, window, sink, prefix, document, topk_blocks, xattention, nsa
                """, check("tabs.attn", "kernel k {\n\tshape\theads 8, q_len 1K, head_dim 64;\n\theads 0..7:\twindw(4);\n}\n"));
    }

    @Test
    void carriageReturnsAreNotPartOfTheLine() {
        assertEquals("""
                crlf.attn:3:8: error[E040]: unknown mask 'casual'; did you mean 'causal'?
                 3 |   mask casual;
                   |        ^^^^^^
                  = note: masks: dense, causal, window, sink, prefix, document, topk_blocks, xattention, nsa
                """, check("crlf.attn", "kernel k {\r\n  shape heads 8, q_len 1K, head_dim 64;\r\n  mask casual;\r\n}\r\n"));
    }

    @Test
    void bidirectionalControlsAreShownEscaped() {
        assertEquals("""
                bidi.attn:1:55: error[E003]: bidirectional control character U+202E is not allowed in source text
                 1 | kernel k { shape heads 8, q_len 1K, head_dim 64; } // \\u{202E} evil
                   |                                                       ^^^^^^^^
                  = note: it can make the source read differently from what it means (Trojan Source)
                """, check("bidi.attn", "kernel k { shape heads 8, q_len 1K, head_dim 64; } // \u202e evil\n"));
    }

    @Test
    void columnsCountCodePoints() {
        String out = check("emoji.attn", "// \uD83D\uDE80\nkernel k { shape heads 8, q_len 1K, head_dim 64; /* \uD83D\uDE80 */ mask casual; }\n");
        assertTrue(out.startsWith("emoji.attn:2:63: error[E040]"), out);
    }

    @Test
    void theGutterWidensWithTheLineNumber() {
        String text = "// a comment line\n".repeat(120) + "kernel k { shape heads 8, q_len 1K, head_dim 64; mask casual; }\n";
        assertEquals("""
                gutter.attn:121:55: error[E040]: unknown mask 'casual'; did you mean 'causal'?
                 121 | kernel k { shape heads 8, q_len 1K, head_dim 64; mask casual; }
                     |                                                       ^^^^^^
                  = note: masks: dense, causal, window, sink, prefix, document, topk_blocks, xattention, nsa
                """, check("gutter.attn", text));
    }

    @Test
    void aLongLineIsCutToAWindowAroundTheCaret() {
        String text = "x".repeat(1000) + "TARGET" + "y".repeat(1000);
        assertEquals("f.attn:1:1001: error[E015]: message\n"
                + " 1 | ..." + "x".repeat(40) + "TARGET" + "y".repeat(51) + "...\n"
                + "   |    " + " ".repeat(40) + "^^^^^^\n", render(text, 1000, 1006));
    }

    @Test
    void aSpanOverSeveralLinesIsMarkedToTheEndOfItsFirstLine() {
        assertEquals("""
                f.attn:1:7: error[E015]: message
                 1 | shape heads 8,
                   |       ^^^^^^^^
                """, render("shape heads 8,\n      q_len 4;\n", 6, 30));
    }

    @Test
    void anEmptySpanAtTheEndOfTheFile() {
        assertEquals("""
                f.attn:1:1: error[E015]: message
                 1 |\s
                   | ^
                  = note: a note
                """, render("", 0, 0, "a note"));
    }

    @Test
    void quotedUserTextIsShortAndPrintable() {
        assertEquals("'" + "a".repeat(40) + "...'", DiagnosticRenderer.quote("a".repeat(100_000)));
        assertEquals("'a\\u{0000}b'", DiagnosticRenderer.quote("a\0b"));
        assertEquals(List.of("'x'"), List.of(DiagnosticRenderer.quote("x")));
    }

    /**
     * The user's report: a leading byte-order mark (which editors hide) moved every column of
     * line 1 one to the right, and the quoted line began with a blank. Both the parser's spans and
     * an encoding error's span after the mark are checked, on line 1 and on the next.
     */
    @Test
    void aByteOrderMarkTakesNoColumn() {
        String text = "kernel a { shape heads 1, q_len 8, head_dim 4; mask casual; }\n";
        assertEquals(check("bom.attn", text), check("bom.attn", "\uFEFF" + text));
        assertTrue(check("bom.attn", "\uFEFF" + text).startsWith("bom.attn:1:53: error[E040]"));

        Diagnostics d = new Diagnostics();
        byte[] bytes = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'a', 'b', (byte) 0xFF, '\n', (byte) 0xFE};
        SourceDecoder.Decoded decoded = SourceDecoder.decode("bad.attn", bytes, d);
        assertEquals("ab\uFFFD\n\uFFFD", decoded.source().text(), "the mark is dropped, not blanked");
        assertEquals(List.of("1:3", "2:1"), d.sorted().stream().map(x -> x.span().line() + ":" + x.span().column()).toList());
    }
}
