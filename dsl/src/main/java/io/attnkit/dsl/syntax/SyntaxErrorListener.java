package io.attnkit.dsl.syntax;

import io.attnkit.dsl.parse.AttnLexer;
import io.attnkit.dsl.parse.AttnParser;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.source.Diagnostics;
import io.attnkit.dsl.source.ErrorCode;
import io.attnkit.dsl.source.SourceFile;
import io.attnkit.dsl.source.Span;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CommonToken;
import org.antlr.v4.runtime.Lexer;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.TokenStream;
import org.antlr.v4.runtime.Vocabulary;
import org.antlr.v4.runtime.misc.IntervalSet;
import org.antlr.v4.runtime.misc.ParseCancellationException;

/**
 * Turns lexer and parser errors into {@link ErrorCode#E001} diagnostics phrased for users
 * ("expected ';' after '128'"), with user text quoted safely. It keeps one error per statement
 * (what follows an error up to the next {@code ;}, <code>{</code> or <code>}</code> is usually its
 * echo), records where errors were so that declarations holding one can be left out of the
 * tree, and stops the parse once the diagnostic limit is reached.
 */
final class SyntaxErrorListener extends BaseErrorListener {
    private final SourceFile source;
    private final OffsetMap offsets;
    private final Diagnostics diagnostics;
    private int[] errorOffsets = new int[8];
    private int errorCount;
    /** Parser errors at token indexes up to this one follow from the last reported error. */
    private int quietThrough = -1;
    /** Token indexes of the strings left open: the parser's complaint right after one is its echo. */
    private final Set<Integer> openStrings = new HashSet<>();
    /** A comment runs to the end of the file: the parser's complaints about the end are its echo. */
    private boolean openComment;

    SyntaxErrorListener(SourceFile source, OffsetMap offsets, Diagnostics diagnostics) {
        this.source = source;
        this.offsets = offsets;
        this.diagnostics = diagnostics;
    }

    /** The character offsets of every syntax error, ascending. */
    int[] errorOffsets() {
        int[] out = Arrays.copyOf(errorOffsets, errorCount);
        Arrays.sort(out);
        return out;
    }

    private void report(Span span, String message, String... notes) {
        diagnostics.error(ErrorCode.E001, span, message, notes);
        if (errorCount == errorOffsets.length) {
            errorOffsets = Arrays.copyOf(errorOffsets, errorCount * 2);
        }
        errorOffsets[errorCount++] = span.start();
        if (diagnostics.saturated()) {
            throw new ParseCancellationException("too many errors");
        }
    }

    /**
     * Reports strings and comments left open, and hands unterminated strings to the parser as
     * strings (closed), so that the rest of the file parses normally.
     */
    void unterminated(List<Token> tokens) {
        for (Token t : tokens) {
            if (t.getType() == AttnLexer.UNTERMINATED_STRING) {
                int from = offsets.charOffset(t.getStartIndex());
                report(new Span(source, from, offsets.charOffset(t.getStopIndex() + 1)), "unterminated string",
                        "a string ends with '\"' on the line where it starts");
                CommonToken fixed = (CommonToken) t;
                fixed.setText(t.getText() + "\"");
                fixed.setType(AttnLexer.STRING);
                openStrings.add(t.getTokenIndex());
            } else if (t.getType() == AttnLexer.UNTERMINATED_COMMENT) {
                int from = offsets.charOffset(t.getStartIndex());
                report(new Span(source, from, from + 2), "unterminated comment: '/*' without a closing '*/'");
                openComment = true;
            }
        }
    }

    @Override
    public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line, int column, String msg,
                            RecognitionException e) {
        if (recognizer instanceof Lexer lexer) {
            lexerError(lexer);
        } else if (recognizer instanceof Parser parser) {
            parserError(parser, (Token) offendingSymbol, msg, e);
        }
    }

    private void lexerError(Lexer lexer) {
        int start = lexer._tokenStartCharIndex;
        int from = offsets.charOffset(start);
        String text = start < lexer.getInputStream().size()
                ? lexer.getInputStream().getText(org.antlr.v4.runtime.misc.Interval.of(start, start)) : " ";
        int cp = text.isEmpty() ? ' ' : text.codePointAt(0);
        Span span = new Span(source, from, Math.min(source.text().length(), from + Character.charCount(cp)));
        String message = String.format("unexpected character %s (U+%04X)", DiagnosticRenderer.quote(Character.toString(cp)), cp);
        if (cp == '#') {
            report(span, message, "comments start with // or /*");
        } else if (cp > 0x7f && Character.isLetter(cp)) {
            report(span, message, "names are made of ASCII letters, digits, '_' and '-'");
        } else {
            report(span, message);
        }
    }

    private void parserError(Parser parser, Token offending, String msg, RecognitionException e) {
        int index = offending.getTokenIndex();
        if (index <= quietThrough || openComment && offending.getType() == Token.EOF) {
            return;
        }
        TokenStream tokens = parser.getInputStream();
        Token previous = previousVisible(tokens, index);
        // A statement left open at the end of a line ends there: the next line is a statement of its own.
        boolean startsLine = previous != null && offending.getType() != Token.EOF && offending.getLine() > previous.getLine();
        quietThrough = startsLine ? index - 1 : boundaryAtOrAfter(tokens, index);
        if (previous != null && openStrings.contains(previous.getTokenIndex())) {
            return; // a string open to the end of its line has swallowed what ended the statement
        }
        IntervalSet expectedSet = e != null && e.getExpectedTokens() != null ? e.getExpectedTokens() : parser.getExpectedTokens();
        String expected = describe(expectedSet, parser.getVocabulary());
        Span at = spanOf(offending);
        if (offending.getType() == Token.EOF && previous != null) {
            Optional<AttnParser.DeclContext> open = enclosingDecl(parser);
            if (open.isPresent()) {
                int end = offsets.charOffset(previous.getStopIndex() + 1);
                Token start = open.get().getStart();
                int at0 = offsets.charOffset(start.getStartIndex());
                report(new Span(source, end, end), "unexpected end of file: " + start.getText() + " "
                                + declName(open.get()) + " has no closing '}'",
                        "it starts at " + new Span(source, at0, at0).location());
                return;
            }
        }
        // A '..' always wants the number after it: what follows instead was not meant to replace it.
        boolean missing = msg != null && msg.startsWith("missing ")
                || previous != null && previous.getType() == AttnLexer.DOTDOT && offending.getType() != AttnLexer.NUMBER;
        boolean newLine = startsLine && expectedSet != null && expectedSet.contains(AttnLexer.SEMI);
        if (newLine) {
            // A statement left open at the end of a line: only a separator could continue it there.
            IntervalSet separators = IntervalSet.of(AttnLexer.SEMI);
            if (expectedSet.contains(AttnLexer.COMMA)) {
                separators.add(AttnLexer.COMMA);
            }
            expected = describe(separators, parser.getVocabulary());
        }
        if (previous != null && (missing || newLine)) {
            // The fix belongs after the previous token, at the end of the line the user was writing.
            int end = offsets.charOffset(previous.getStopIndex() + 1);
            report(new Span(source, end, end), "expected " + (expected.isEmpty() ? "more" : expected) + " after "
                    + describe(previous) + (missing ? "" : ", found " + describe(offending) + " on the next line"));
            return;
        }
        String message = "unexpected " + describe(offending) + (expected.isEmpty() ? "" : ", expected " + expected);
        if (insideRouteCall(parser)) {
            report(at, message, "'route' needs the router's name: heads 8..31: route ROUTER(dense, window(2048));");
        } else {
            report(at, message);
        }
    }

    private static Optional<AttnParser.DeclContext> enclosingDecl(Parser parser) {
        for (org.antlr.v4.runtime.RuleContext c = parser.getContext(); c != null; c = c.parent) {
            if (c instanceof AttnParser.DeclContext d) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    private static String declName(AttnParser.DeclContext d) {
        AttnParser.IdentContext name = switch (d) {
            case AttnParser.TargetDeclContext t -> t.name;
            case AttnParser.RouterDeclContext r -> r.name;
            case AttnParser.KernelDeclContext k -> k.name;
            default -> null;
        };
        return name == null || name.getChildCount() == 0 ? "" : DiagnosticRenderer.quote(name.getText());
    }

    /** An import after the first declaration: reported, and not loaded. */
    void misplacedImport(Token t) {
        if (t.getTokenIndex() > quietThrough) {
            quietThrough = t.getTokenIndex();
            report(spanOf(t), "an import after a declaration; imports come first in a file");
        }
    }

    /** Text between declarations that starts none: reported once for the run of it. */
    void unexpectedAtTopLevel(Token t) {
        if (t.getTokenIndex() > quietThrough) {
            quietThrough = t.getTokenIndex();
            report(spanOf(t), "unexpected " + describe(t) + ", expected a declaration ('target', 'router' or 'kernel')");
        }
    }

    /** True inside {@code route(...)}: a routed pattern written without its router's name. */
    private static boolean insideRouteCall(Parser parser) {
        for (org.antlr.v4.runtime.RuleContext c = parser.getContext(); c != null; c = c.parent) {
            if (c instanceof AttnParser.CallMaskContext call && call.fn != null
                    && call.fn.getText().equals("route")) {
                return true;
            }
        }
        return false;
    }

    private Span spanOf(Token t) {
        int from = Math.min(offsets.charOffset(t.getStartIndex()), source.text().length());
        if (t.getType() == Token.EOF) {
            return new Span(source, source.text().length(), source.text().length());
        }
        return new Span(source, Math.max(0, from), Math.max(from, offsets.charOffset(t.getStopIndex() + 1)));
    }

    private static int boundaryAtOrAfter(TokenStream tokens, int index) {
        for (int i = Math.max(0, index); i < tokens.size(); i++) {
            int type = tokens.get(i).getType();
            if (type == AttnLexer.SEMI || type == AttnLexer.LBRACE || type == AttnLexer.RBRACE) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    private static Token previousVisible(TokenStream tokens, int index) {
        for (int i = Math.min(index, tokens.size()) - 1; i >= 0; i--) {
            Token t = tokens.get(i);
            if (t.getChannel() == Token.DEFAULT_CHANNEL) {
                return t;
            }
        }
        return null;
    }

    private static String describe(Token t) {
        if (t.getType() == Token.EOF) {
            return "end of file";
        }
        return DiagnosticRenderer.quote(t.getText());
    }

    private static boolean isDeclaration(int type) {
        return type == AttnLexer.TARGET || type == AttnLexer.ROUTER || type == AttnLexer.KERNEL;
    }

    private static String describe(IntervalSet expected, Vocabulary vocabulary) {
        if (expected == null || expected.isNil()) {
            return "";
        }
        List<String> names = new ArrayList<>();
        boolean anyName = expected.contains(AttnLexer.IDENT);
        boolean declaration = !anyName && expected.contains(AttnLexer.TARGET) && expected.contains(AttnLexer.ROUTER)
                && expected.contains(AttnLexer.KERNEL);
        if (anyName) {
            names.add("a name");
        }
        if (declaration) {
            names.add("a declaration ('target', 'router' or 'kernel')");
        }
        for (int type : expected.toArray()) {
            if (anyName && isNameToken(type) || declaration && isDeclaration(type)
                    || type == AttnLexer.MINUS && expected.contains(AttnLexer.NUMBER)) {
                continue; // covered by "a name", "a declaration", or "a number" (negative ones included)
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
