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
                    t.properties().stream().map(SyntaxTrees::withoutComments).toList(), List.of(), Comments.NONE, t.span());
            case Decl.RouterDecl r -> new Decl.RouterDecl(r.name(),
                    r.properties().stream().map(SyntaxTrees::withoutComments).toList(), List.of(), Comments.NONE, r.span());
            case Decl.KernelDecl k -> new Decl.KernelDecl(k.name(), k.body().stream().map(SyntaxTrees::withoutComments).toList(),
                    List.of(), Comments.NONE, k.span());
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
}
