package io.attnkit.dsl.syntax;

import io.attnkit.dsl.parse.AttnLexer;
import io.attnkit.dsl.parse.AttnParser;
import org.antlr.v4.runtime.DefaultErrorStrategy;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.TokenStream;
import org.antlr.v4.runtime.misc.IntervalSet;
import org.antlr.v4.runtime.tree.ParseTree;
import org.antlr.v4.runtime.tree.TerminalNode;

/**
 * Error recovery for a declaration parsed on its own, which resynchronises at statement
 * boundaries, so that one syntax error costs one statement and the statements after it parse as
 * written (the language promises one syntax error per statement).
 *
 * <p>ANTLR's default recovery works per rule: it skips to a token that may follow the innermost
 * rule, and may delete a single token to continue. Both can land in the middle of the next
 * statement, which then reports an error of its own although it is valid: a {@code ;} deleted as
 * "extraneous" joins two statements, and the tokens that may follow a rule include every name,
 * so skipping stops at the first name rather than at the end of the statement. Here:
 * <ul>
 * <li>an error inside a statement unwinds to the statement, which skips through its {@code ;}
 * (not past a <code>}</code>), or stops earlier at a line that starts with a name: the statement
 * was left open at the end of a line and the next one starts there;
 * <li>a {@code ;} or <code>}</code> is never deleted as extraneous;
 * <li>a statement reports its first error only: after a token deleted or inserted to continue,
 * what follows in the statement is often an echo of the same mistake;
 * <li>a stray token where a statement should start is reported, and its statement skipped;
 * <li>outside statements, the declaration keywords are added to the tokens ANTLR resynchronises
 * on: for a declaration parsed as a start rule those are otherwise only the end of the file, so
 * one error in a header would swallow every declaration after it.
 * </ul>
 */
final class StatementRecovery extends DefaultErrorStrategy {
    /** The statement whose error was reported last. */
    private ParserRuleContext reportedIn;

    @Override
    public void reset(Parser recognizer) {
        super.reset(recognizer);
        reportedIn = null;
    }

    @Override
    public void reportError(Parser recognizer, RecognitionException e) {
        if (!quiet(recognizer)) {
            super.reportError(recognizer, e);
        }
    }

    @Override
    protected void reportUnwantedToken(Parser recognizer) {
        if (!quiet(recognizer)) {
            super.reportUnwantedToken(recognizer);
        }
    }

    @Override
    protected void reportMissingToken(Parser recognizer) {
        if (!quiet(recognizer)) {
            super.reportMissingToken(recognizer);
        }
    }

    /** True when the statement being parsed has reported an error already; notes this one's statement otherwise. */
    private boolean quiet(Parser recognizer) {
        ParserRuleContext statement = statement(recognizer.getContext());
        if (statement != null && statement == reportedIn) {
            beginErrorCondition(recognizer);
            return true;
        }
        if (!inErrorRecoveryMode(recognizer)) {
            reportedIn = statement;
        }
        return false;
    }
    @Override
    protected IntervalSet getErrorRecoverySet(Parser recognizer) {
        IntervalSet set = new IntervalSet(super.getErrorRecoverySet(recognizer));
        set.add(AttnLexer.IMPORT);
        set.add(AttnLexer.TARGET);
        set.add(AttnLexer.ROUTER);
        set.add(AttnLexer.KERNEL);
        return set;
    }

    @Override
    public void recover(Parser recognizer, RecognitionException e) {
        ParserRuleContext statement = statement(recognizer.getContext());
        if (statement == null) {
            super.recover(recognizer, e);
        } else if (statement != recognizer.getContext()) {
            throw e; // unwind to the statement's rule; its handler skips the rest of the statement
        } else {
            Token offending = e.getOffendingToken() != null ? e.getOffendingToken() : recognizer.getCurrentToken();
            skipStatement(recognizer, statement.getStart().getTokenIndex(), offending.getTokenIndex());
        }
    }

    @Override
    protected Token singleTokenDeletion(Parser recognizer) {
        int next = recognizer.getInputStream().LA(1);
        return next == AttnLexer.SEMI || next == AttnLexer.RBRACE ? null : super.singleTokenDeletion(recognizer);
    }

    @Override
    public void sync(Parser recognizer) throws RecognitionException {
        if (recognizer.getContext() instanceof AttnParser.DeclContext decl && inBody(decl)) {
            // Between two statements: whatever cannot start one (nor close the body) is skipped a
            // statement at a time, and reported unless it follows an error just reported.
            IntervalSet starts = recognizer.getExpectedTokens();
            TokenStream tokens = recognizer.getInputStream();
            while (tokens.LA(1) != Token.EOF && !starts.contains(tokens.LA(1))) {
                if (!inErrorRecoveryMode(recognizer)) {
                    beginErrorCondition(recognizer);
                    recognizer.notifyErrorListeners(tokens.LT(1), "extraneous input", null);
                }
                int at = tokens.index();
                skipStatement(recognizer, at, at);
            }
            return;
        }
        super.sync(recognizer);
    }

    /** The statement of a declaration's body that {@code context} is in (or is), or null. */
    private static ParserRuleContext statement(ParserRuleContext context) {
        for (ParserRuleContext c = context; c != null; c = c.getParent()) {
            if (c.getParent() instanceof AttnParser.DeclContext) {
                return c;
            }
        }
        return null;
    }

    /** True once the declaration's <code>{</code> is read: the parser is among its statements. */
    private static boolean inBody(AttnParser.DeclContext decl) {
        for (int i = 0; i < decl.getChildCount(); i++) {
            ParseTree child = decl.getChild(i);
            if (child instanceof TerminalNode t && t.getSymbol().getType() == AttnLexer.LBRACE) {
                return true;
            }
        }
        return false;
    }

    /**
     * Skips to the end of the statement that started at token {@code start} and went wrong at
     * token {@code offending}: through its {@code ;}, or to a <code>}</code>, or to the end of the
     * file, or to a name that starts a line at or after the error (the start of the next
     * statement, when this one lacks its {@code ;}). At least one token is skipped unless the
     * skip stops at a boundary, so that recovery always makes progress.
     */
    private void skipStatement(Parser recognizer, int start, int offending) {
        TokenStream tokens = recognizer.getInputStream();
        while (true) {
            Token t = tokens.LT(1);
            int type = t.getType();
            if (type == Token.EOF || type == AttnLexer.RBRACE) {
                return;
            }
            if (type == AttnLexer.SEMI) {
                recognizer.consume();
                return;
            }
            if (t.getTokenIndex() > start && t.getTokenIndex() >= offending && startsLine(tokens)
                    && startsStatement(type)) {
                return;
            }
            recognizer.consume();
        }
    }

    private static boolean startsLine(TokenStream tokens) {
        Token previous = tokens.LT(-1);
        return previous != null && previous.getLine() < tokens.LT(1).getLine();
    }

    private static boolean startsStatement(int type) {
        return switch (type) {
            case AttnLexer.IDENT, AttnLexer.TARGET, AttnLexer.KERNEL, AttnLexer.ROUTER, AttnLexer.IMPORT,
                 AttnLexer.EXTENDS, AttnLexer.HEADS, AttnLexer.ROUTE, AttnLexer.MASK -> true;
            default -> false;
        };
    }
}
