package io.attnkit.dsl.syntax;

import io.attnkit.dsl.parse.AttnParser;
import io.attnkit.dsl.source.SourceFile;
import io.attnkit.dsl.source.Span;
import io.attnkit.dsl.syntax.KernelStmt.HeadPattern;
import io.attnkit.dsl.syntax.KernelStmt.HeadSet;
import io.attnkit.dsl.syntax.Property.Item;
import io.attnkit.dsl.syntax.Property.Word;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.ErrorNode;
import org.antlr.v4.runtime.tree.ParseTree;

/**
 * Builds the syntax tree from ANTLR's parse tree: flattens operator chains, drops parentheses
 * (the tree's shape keeps their meaning) and attaches every comment to the nearest line-level
 * node, so that formatting can put each back.
 */
final class TreeBuilder {
    private final SourceFile source;
    private final CommonTokenStream tokens;
    private final OffsetMap offsets;
    private final BitSet claimed = new BitSet();
    private final Set<String> broken = new LinkedHashSet<>();

    TreeBuilder(SourceFile source, CommonTokenStream tokens, OffsetMap offsets) {
        this.source = source;
        this.tokens = tokens;
        this.offsets = offsets;
    }

    SourceParser.Result build(AttnParser.FileContext ctx) {
        List<AttnFile.Import> imports = new ArrayList<>();
        boolean first = true;
        for (AttnParser.ImportDeclContext i : ctx.importDecl()) {
            if (isClean(i)) {
                imports.add(new AttnFile.Import(unquote(i.STRING().getText()), comments(i, i.getStop(), first), span(i)));
            }
            first = false;
        }
        List<Decl> decls = new ArrayList<>();
        for (AttnParser.DeclContext d : ctx.decl()) {
            if (isClean(d)) {
                decls.add(decl(d, first));
            } else {
                brokenName(d);
            }
            first = false;
        }
        List<String> closing = new ArrayList<>();
        Token eof = ctx.EOF() != null ? ctx.EOF().getSymbol() : null;
        if (eof != null) {
            closing.addAll(unclaimedLeft(eof.getTokenIndex()));
        }
        return new SourceParser.Result(source, new AttnFile(imports, decls, closing, span(ctx)), Set.copyOf(broken));
    }

    private void brokenName(AttnParser.DeclContext d) {
        AttnParser.IdentContext name = switch (d) {
            case AttnParser.TargetDeclContext t -> t.name;
            case AttnParser.RouterDeclContext r -> r.name;
            case AttnParser.KernelDeclContext k -> k.name;
            default -> null;
        };
        if (name != null && name.getStart() != null && name.getStart().getTokenIndex() >= 0) {
            broken.add(name.getText());
        }
    }

    private Decl decl(AttnParser.DeclContext d, boolean first) {
        return switch (d) {
            case AttnParser.TargetDeclContext t -> {
                Comments c = comments(t, t.LBRACE().getSymbol(), first);
                List<Property> props = new ArrayList<>();
                boolean firstInBlock = true;
                for (AttnParser.PropertyContext p : t.property()) {
                    props.add(property(p, firstInBlock));
                    firstInBlock = false;
                }
                yield new Decl.TargetDecl(name(t.name), Optional.ofNullable(t.base).map(this::name), props,
                        closing(t.RBRACE().getSymbol()), c, span(t));
            }
            case AttnParser.RouterDeclContext r -> {
                Comments c = comments(r, r.LBRACE().getSymbol(), first);
                List<Property> props = new ArrayList<>();
                boolean firstInBlock = true;
                for (AttnParser.PropertyContext p : r.property()) {
                    props.add(property(p, firstInBlock));
                    firstInBlock = false;
                }
                yield new Decl.RouterDecl(name(r.name), props, closing(r.RBRACE().getSymbol()), c, span(r));
            }
            case AttnParser.KernelDeclContext k -> {
                Comments c = comments(k, k.LBRACE().getSymbol(), first);
                List<KernelStmt> body = new ArrayList<>();
                boolean firstInBlock = true;
                for (AttnParser.KernelStmtContext s : k.kernelStmt()) {
                    body.add(kernelStmt(s, firstInBlock));
                    firstInBlock = false;
                }
                yield new Decl.KernelDecl(name(k.name), body, closing(k.RBRACE().getSymbol()), c, span(k));
            }
            default -> throw new IllegalStateException("unknown declaration " + d.getClass().getSimpleName());
        };
    }

    private KernelStmt kernelStmt(AttnParser.KernelStmtContext s, boolean first) {
        return switch (s) {
            case AttnParser.MaskStmtContext m -> {
                Comments c = comments(m, m.getStop(), first);
                yield new KernelStmt.MaskStmt(mask(m.maskExpr()), c, span(m));
            }
            case AttnParser.HeadsStmtContext h -> {
                Comments c = comments(h, h.getStop(), first);
                yield new KernelStmt.HeadsStmt(headSet(h.headSet()), headPattern(h.headPattern()), c, span(h));
            }
            case AttnParser.PropertyStmtContext p -> property(p.property(), first);
            default -> throw new IllegalStateException("unknown statement " + s.getClass().getSimpleName());
        };
    }

    private Property property(AttnParser.PropertyContext p, boolean first) {
        Comments c = comments(p, p.getStop(), first);
        List<Item> items = new ArrayList<>();
        for (AttnParser.ItemContext i : p.item()) {
            List<Word> words = new ArrayList<>();
            for (AttnParser.WordContext w : i.word()) {
                if (w.ident() != null) {
                    words.add(new Word.Ident(w.ident().getText(), span(w)));
                } else if (w.quantity() != null) {
                    words.add(quantity(w.quantity()));
                } else {
                    words.add(new Word.Str(unquote(w.STRING().getText()), span(w)));
                }
            }
            items.add(new Item(words, span(i)));
        }
        return new Property(name(p.key), items, c, span(p));
    }

    private Word.Quantity quantity(AttnParser.QuantityContext q) {
        String literal = (q.MINUS() != null ? "-" : "") + q.NUMBER().getText();
        String unit = q.unit() == null ? "" : q.unit().getText();
        return new Word.Quantity(literal, unit, span(q));
    }

    private HeadSet headSet(AttnParser.HeadSetContext h) {
        return switch (h) {
            case AttnParser.AllHeadsContext a -> new HeadSet.All(span(a));
            case AttnParser.HeadRangesContext r -> new HeadSet.Ranges(r.headRange().stream()
                    .map(x -> new HeadSet.Range(x.first.getText(), Optional.ofNullable(x.last).map(Token::getText), span(x)))
                    .toList(), span(r));
            default -> throw new IllegalStateException("unknown head set " + h.getClass().getSimpleName());
        };
    }

    private HeadPattern headPattern(AttnParser.HeadPatternContext p) {
        return switch (p) {
            case AttnParser.RoutedPatternContext r ->
                    new HeadPattern.Routed(name(r.router), mask(r.full), mask(r.sparse), span(r));
            case AttnParser.FixedPatternContext f -> new HeadPattern.Fixed(mask(f.maskExpr()), span(f));
            default -> throw new IllegalStateException("unknown head pattern " + p.getClass().getSimpleName());
        };
    }

    private MaskExpr mask(AttnParser.MaskExprContext m) {
        return switch (m) {
            case AttnParser.ParenMaskContext p -> mask(p.maskExpr());
            case AttnParser.NotMaskContext n -> new MaskExpr.Not(mask(n.maskExpr()), span(n));
            case AttnParser.AndMaskContext a -> {
                List<MaskExpr> ops = new ArrayList<>();
                for (AttnParser.MaskExprContext x : a.maskExpr()) {
                    MaskExpr e = mask(x);
                    if (e instanceof MaskExpr.And inner) {
                        ops.addAll(inner.operands());
                    } else {
                        ops.add(e);
                    }
                }
                yield new MaskExpr.And(ops, span(a));
            }
            case AttnParser.OrMaskContext o -> {
                List<MaskExpr> ops = new ArrayList<>();
                for (AttnParser.MaskExprContext x : o.maskExpr()) {
                    MaskExpr e = mask(x);
                    if (e instanceof MaskExpr.Or inner) {
                        ops.addAll(inner.operands());
                    } else {
                        ops.add(e);
                    }
                }
                yield new MaskExpr.Or(ops, span(o));
            }
            case AttnParser.CallMaskContext c -> new MaskExpr.Call(name(c.fn), c.arg().stream()
                    .map(a -> new MaskExpr.Arg(Optional.ofNullable(a.name).map(this::name), quantity(a.quantity()), span(a)))
                    .toList(), span(c));
            default -> throw new IllegalStateException("unknown mask " + m.getClass().getSimpleName());
        };
    }

    private Name name(AttnParser.IdentContext id) {
        return new Name(id.getText(), span(id));
    }

    // ---- comments -------------------------------------------------------------------------

    /**
     * Leading comments are the unclaimed ones before the node; trailing ones are those inside
     * it up to {@code lineEnd} and those after {@code lineEnd} on the same line.
     */
    private Comments comments(ParserRuleContext ctx, Token lineEnd, boolean firstInBlock) {
        int startIndex = ctx.getStart().getTokenIndex();
        List<Token> leadingTokens = unclaimedTokensLeft(startIndex);
        List<String> leading = leadingTokens.stream().map(TreeBuilder::commentText).toList();
        int firstIndex = leadingTokens.isEmpty() ? startIndex : leadingTokens.getFirst().getTokenIndex();
        boolean blank = !firstInBlock && blankLineBefore(firstIndex);
        List<String> trailing = new ArrayList<>();
        for (int i = startIndex; i <= lineEnd.getTokenIndex(); i++) {
            Token t = tokens.get(i);
            if (t.getChannel() == Token.HIDDEN_CHANNEL && !claimed.get(i)) {
                claimed.set(i);
                trailing.add(commentText(t));
            }
        }
        int lineEndLine = lineEnd.getLine();
        for (int i = lineEnd.getTokenIndex() + 1; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.getChannel() != Token.HIDDEN_CHANNEL || t.getLine() != lineEndLine) {
                break;
            }
            claimed.set(i);
            trailing.add(commentText(t));
        }
        return new Comments(blank, leading, trailing);
    }

    private List<String> closing(Token rbrace) {
        List<String> out = new ArrayList<>(unclaimedLeft(rbrace.getTokenIndex()));
        for (int i = rbrace.getTokenIndex() + 1; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.getChannel() != Token.HIDDEN_CHANNEL || t.getLine() != rbrace.getLine()) {
                break;
            }
            claimed.set(i);
            out.add(commentText(t));
        }
        return out;
    }

    private List<String> unclaimedLeft(int tokenIndex) {
        return unclaimedTokensLeft(tokenIndex).stream().map(TreeBuilder::commentText).toList();
    }

    private List<Token> unclaimedTokensLeft(int tokenIndex) {
        List<Token> out = new ArrayList<>();
        for (int i = tokenIndex - 1; i >= 0; i--) {
            Token t = tokens.get(i);
            if (t.getChannel() != Token.HIDDEN_CHANNEL) {
                break;
            }
            if (!claimed.get(i)) {
                out.addFirst(t);
                claimed.set(i);
            }
        }
        return out;
    }

    private boolean blankLineBefore(int tokenIndex) {
        if (tokenIndex <= 0) {
            return false;
        }
        int prevEnd = offsets.charOffset(tokens.get(tokenIndex - 1).getStopIndex() + 1);
        int start = offsets.charOffset(tokens.get(tokenIndex).getStartIndex());
        int newlines = 0;
        String text = source.text();
        for (int i = prevEnd; i < start && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                newlines++;
            }
        }
        return newlines >= 2;
    }

    private static String commentText(Token t) {
        return t.getText().stripTrailing();
    }

    // ---- helpers --------------------------------------------------------------------------

    private Span span(ParserRuleContext ctx) {
        Token start = ctx.getStart();
        Token stop = ctx.getStop();
        int from = offsets.charOffset(Math.max(0, start.getStartIndex()));
        int to = stop == null || stop.getType() == Token.EOF || stop.getStopIndex() < start.getStartIndex()
                ? Math.max(from, Math.min(source.text().length(), offsets.charOffset(start.getStopIndex() + 1)))
                : offsets.charOffset(stop.getStopIndex() + 1);
        from = Math.min(from, source.text().length());
        return new Span(source, from, Math.max(from, Math.min(to, source.text().length())));
    }

    /** True when the subtree parsed without errors or recovery. */
    private static boolean isClean(ParseTree tree) {
        if (tree instanceof ErrorNode) {
            return false;
        }
        if (tree instanceof ParserRuleContext ctx) {
            if (ctx.exception != null) {
                return false;
            }
            for (int i = 0; i < ctx.getChildCount(); i++) {
                if (!isClean(ctx.getChild(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    static String unquote(String literal) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i < literal.length() - 1; i++) {
            char c = literal.charAt(i);
            if (c == '\\' && i + 1 < literal.length() - 1) {
                char n = literal.charAt(++i);
                b.append(switch (n) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> n;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
