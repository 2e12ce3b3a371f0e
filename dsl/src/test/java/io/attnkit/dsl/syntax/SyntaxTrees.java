package io.attnkit.dsl.syntax;

import io.attnkit.dsl.parse.AttnLexer;
import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.Token;

/** Comparisons of syntax trees that leave out what formatting may legitimately move. */
final class SyntaxTrees {
    private SyntaxTrees() {
    }

    /** The tree with every comment (and blank-line mark) removed. */
    static AttnFile withoutComments(AttnFile f) {
        return new AttnFile(f.imports().stream().map(i -> new AttnFile.Import(i.path(), Comments.NONE, i.span())).toList(),
                f.decls().stream().map(SyntaxTrees::withoutComments).toList(), List.of(), f.span());
    }

    private static Decl withoutComments(Decl d) {
        return switch (d) {
            case Decl.TargetDecl t -> new Decl.TargetDecl(t.name(), t.base(),
                    t.properties().stream().map(SyntaxTrees::withoutComments).toList(), List.of(), List.of(), Comments.NONE,
                    t.span());
            case Decl.RouterDecl r -> new Decl.RouterDecl(r.name(),
                    r.properties().stream().map(SyntaxTrees::withoutComments).toList(), List.of(), List.of(), Comments.NONE,
                    r.span());
            case Decl.KernelDecl k -> new Decl.KernelDecl(k.name(), k.body().stream().map(SyntaxTrees::withoutComments).toList(),
                    List.of(), List.of(), Comments.NONE, k.span());
        };
    }

    private static Property withoutComments(Property p) {
        return new Property(p.key(), p.items(), Comments.NONE, p.span());
    }

    private static KernelStmt withoutComments(KernelStmt s) {
        return switch (s) {
            case Property p -> withoutComments(p);
            case KernelStmt.MaskStmt m -> new KernelStmt.MaskStmt(m.expr(), Comments.NONE, m.span());
            case KernelStmt.HeadsStmt h -> new KernelStmt.HeadsStmt(h.heads(), h.pattern(), Comments.NONE, h.span());
        };
    }

    /** The texts of the comments of a source, in order, as the lexer finds them. */
    static List<String> commentTexts(String text) {
        AttnLexer lexer = new AttnLexer(CharStreams.fromString(text));
        lexer.removeErrorListeners();
        List<String> out = new ArrayList<>();
        for (Token t = lexer.nextToken(); t.getType() != Token.EOF; t = lexer.nextToken()) {
            if (t.getType() == AttnLexer.LINE_COMMENT || t.getType() == AttnLexer.BLOCK_COMMENT) {
                out.add(t.getText().stripTrailing());
            }
        }
        return out;
    }

    /**
     * The tokens other than comments (the lexer skips whitespace), less what fmt may rewrite:
     * parentheses, which it drops where precedence does not need them, and the escapes of strings,
     * which it writes one way.
     */
    static List<String> significantTokens(String text) {
        List<String> out = new ArrayList<>();
        for (Token t : tokens(text)) {
            if (significant(t)) {
                out.add(t.getType() == AttnLexer.STRING ? "string " + TreeBuilder.unquote(t.getText()) : t.getText());
            }
        }
        return out;
    }

    private static boolean significant(Token t) {
        return t.getChannel() == Token.DEFAULT_CHANNEL && t.getType() != AttnLexer.LPAREN && t.getType() != AttnLexer.RPAREN;
    }

    /**
     * Each comment with where fmt may put it: the number of tokens before the line-level node it
     * is in, counted as {@link #significantTokens} counts them (a comment inside an import, a
     * declaration's header or a statement moves to the lines before it), and whether it shares a line with the token before it (a comment after a
     * statement or a brace stays on that line). A formatted file has every comment between
     * nodes, so the places of a file and of its formatting must be equal.
     */
    static List<String> commentPlaces(String text) {
        List<String> out = new ArrayList<>();
        int count = 0;
        int nodeStart = 0; // tokens before the node the next token belongs to
        Token previous = null;
        for (Token t : tokens(text)) {
            if (significant(t)) {
                count++;
                previous = t;
                if (t.getType() == AttnLexer.SEMI || t.getType() == AttnLexer.LBRACE || t.getType() == AttnLexer.RBRACE) {
                    nodeStart = count;
                }
            } else if (t.getChannel() != Token.DEFAULT_CHANNEL) {
                boolean trailing = count == nodeStart && previous != null && previous.getLine() == t.getLine();
                out.add(nodeStart + (trailing ? " trailing " : " ") + t.getText().stripTrailing());
            }
        }
        return out;
    }

    private static List<? extends Token> tokens(String text) {
        AttnLexer lexer = new AttnLexer(CharStreams.fromString(text));
        lexer.removeErrorListeners();
        return lexer.getAllTokens();
    }
}
