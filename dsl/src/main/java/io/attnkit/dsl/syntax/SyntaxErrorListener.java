package io.attnkit.dsl.syntax;

import io.attnkit.dsl.parse.AttnLexer;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.source.Diagnostics;
import io.attnkit.dsl.source.ErrorCode;
import io.attnkit.dsl.source.SourceFile;
import io.attnkit.dsl.source.Span;
import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.Lexer;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.Vocabulary;
import org.antlr.v4.runtime.misc.IntervalSet;
import org.antlr.v4.runtime.misc.ParseCancellationException;

/**
 * Turns ANTLR's lexer and parser errors into {@link ErrorCode#E001} diagnostics phrased for
 * users ("expected ';'"), with user text quoted safely, and stops the parse once the diagnostic
 * limit is reached.
 */
final class SyntaxErrorListener extends BaseErrorListener {
    private final SourceFile source;
    private final OffsetMap offsets;
    private final Diagnostics diagnostics;

    SyntaxErrorListener(SourceFile source, OffsetMap offsets, Diagnostics diagnostics) {
        this.source = source;
        this.offsets = offsets;
        this.diagnostics = diagnostics;
    }

    @Override
    public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line, int column, String msg,
                            RecognitionException e) {
        if (recognizer instanceof Lexer lexer) {
            lexerError(lexer);
        } else if (recognizer instanceof Parser parser) {
            parserError(parser, (Token) offendingSymbol, msg, e);
        }
        if (diagnostics.saturated()) {
            throw new ParseCancellationException("too many errors");
        }
    }

    private void lexerError(Lexer lexer) {
        int start = lexer._tokenStartCharIndex;
        int end = lexer.getInputStream().index();
        String text = lexer.getInputStream().getText(org.antlr.v4.runtime.misc.Interval.of(start, Math.max(start, end)));
        int from = offsets.charOffset(start);
        Span span = new Span(source, from, Math.max(from + 1, offsets.charOffset(end)));
        String message;
        if (text.startsWith("\"")) {
            message = "unterminated string";
        } else if (text.startsWith("/*")) {
            message = "unterminated comment";
        } else {
            int cp = text.isEmpty() ? ' ' : text.codePointAt(0);
            message = String.format("unexpected character %s (U+%04X)", DiagnosticRenderer.quote(Character.toString(cp)), cp);
            span = new Span(source, from, from + Character.charCount(cp));
        }
        diagnostics.error(ErrorCode.E001, span, message);
    }

    private void parserError(Parser parser, Token offending, String msg, RecognitionException e) {
        int from = offsets.charOffset(offending.getStartIndex());
        int to = offending.getType() == Token.EOF ? from : offsets.charOffset(offending.getStopIndex() + 1);
        if (offending.getType() == Token.EOF) {
            from = Math.min(from, source.text().length());
            to = from;
        }
        Span span = new Span(source, Math.max(0, from), Math.max(from, to));
        IntervalSet expected = e != null && e.getExpectedTokens() != null ? e.getExpectedTokens() : parser.getExpectedTokens();
        String expectation = describe(expected, parser.getVocabulary());
        String message;
        if (msg != null && msg.startsWith("missing ")) {
            message = "missing " + expectation + " before " + describe(offending);
        } else {
            message = "unexpected " + describe(offending) + (expectation.isEmpty() ? "" : ", expected " + expectation);
        }
        diagnostics.error(ErrorCode.E001, span, message);
    }

    private static String describe(Token t) {
        if (t.getType() == Token.EOF) {
            return "end of file";
        }
        return DiagnosticRenderer.quote(t.getText());
    }

    private static String describe(IntervalSet expected, Vocabulary vocabulary) {
        if (expected == null || expected.isNil()) {
            return "";
        }
        List<String> names = new ArrayList<>();
        boolean name = false;
        for (int type : expected.toArray()) {
            if (isNameToken(type)) {
                if (!name) {
                    names.add("a name");
                    name = true;
                }
                continue;
            }
            names.add(switch (type) {
                case Token.EOF -> "end of file";
                case AttnLexer.NUMBER -> "a number";
                case AttnLexer.STRING -> "a string";
                default -> vocabulary.getDisplayName(type);
            });
        }
        if (names.size() > 6) {
            return "";
        }
        if (names.size() == 1) {
            return names.getFirst();
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast();
    }

    private static boolean isNameToken(int type) {
        return switch (type) {
            case AttnLexer.IDENT, AttnLexer.TARGET, AttnLexer.KERNEL, AttnLexer.ROUTER, AttnLexer.IMPORT,
                 AttnLexer.EXTENDS, AttnLexer.HEADS, AttnLexer.ROUTE -> true;
            default -> false;
        };
    }
}
