package io.attnkit.dsl.syntax;

import io.attnkit.dsl.parse.AttnParser;
import io.attnkit.dsl.source.SourceFile;
import io.attnkit.dsl.source.Span;
import io.attnkit.dsl.syntax.KernelStmt.HeadPattern;
import io.attnkit.dsl.syntax.KernelStmt.HeadSet;
import io.attnkit.dsl.syntax.Property.Item;
import io.attnkit.dsl.syntax.Property.Word;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
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
    private final Set<SourceParser.Broken> broken = new LinkedHashSet<>();
    private final java.util.HashMap<String, String> texts = new java.util.HashMap<>();
    /** Where syntax errors were reported, ascending: a node holding one is left out. */
    private final Supplier<int[]> errorOffsets;

    TreeBuilder(SourceFile source, CommonTokenStream tokens, OffsetMap offsets, Supplier<int[]> errorOffsets) {
        this.source = source;
        this.tokens = tokens;
        this.offsets = offsets;
        this.errorOffsets = errorOffsets;
    }

    private final List<AttnFile.Import> imports = new ArrayList<>();
    private final List<Decl> decls = new ArrayList<>();
    private boolean first = true;

    /**
     * Adds an import, in source order; {@code recovered} when the parser may have recovered from
     * errors inside it.
     */
    void add(AttnParser.ImportDeclContext i, boolean recovered) {
        // An import missing only its ';' is still read, so that its names do not turn up undefined.
        if (i.STRING() != null && i.STRING().getSymbol().getTokenIndex() >= 0) {
            imports.add(new AttnFile.Import(unquote(i.STRING().getText()), comments(i, i.getStop(), first), span(i)));
        }
        first = false;
    }

    /** Adds a declaration, in source order, after the imports. */
    void add(AttnParser.DeclContext d, boolean recovered) {
        if (isClean(d, recovered)) {
            decls.add(decl(d, first));
        } else {
            brokenName(d);
        }
        first = false;
    }

    /** The tree of everything added; the comments left over close the file. */
    SourceParser.Result finish() {
        List<String> closing = new ArrayList<>(unclaimedLeft(tokens.size() - 1));
        return new SourceParser.Result(source, new AttnFile(imports, decls, closing,
                new Span(source, 0, source.text().length())), broken);
    }

    private void brokenName(AttnParser.DeclContext d) {
        record Named(String keyword, AttnParser.IdentContext name) {
        }
        Named named = switch (d) {
            case AttnParser.TargetDeclContext t -> new Named("target", t.name);
            case AttnParser.RouterDeclContext r -> new Named("router", r.name);
            case AttnParser.KernelDeclContext k -> new Named("kernel", k.name);
            default -> null;
        };
        if (named != null && named.name() != null && named.name().getChildCount() > 0) {
            broken.add(new SourceParser.Broken(named.keyword(), named.name().getText()));
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
                        unclaimedLeft(t.RBRACE().getSymbol().getTokenIndex()), sameLineAfter(t.RBRACE().getSymbol()), c,
                        span(t));
            }
            case AttnParser.RouterDeclContext r -> {
                Comments c = comments(r, r.LBRACE().getSymbol(), first);
                List<Property> props = new ArrayList<>();
                boolean firstInBlock = true;
                for (AttnParser.PropertyContext p : r.property()) {
                    props.add(property(p, firstInBlock));
                    firstInBlock = false;
                }
                yield new Decl.RouterDecl(name(r.name), props, unclaimedLeft(r.RBRACE().getSymbol().getTokenIndex()),
                        sameLineAfter(r.RBRACE().getSymbol()), c, span(r));
            }
            case AttnParser.KernelDeclContext k -> {
                Comments c = comments(k, k.LBRACE().getSymbol(), first);
                List<KernelStmt> body = new ArrayList<>();
                boolean firstInBlock = true;
                for (AttnParser.KernelStmtContext s : k.kernelStmt()) {
                    body.add(kernelStmt(s, firstInBlock));
                    firstInBlock = false;
                }
                yield new Decl.KernelDecl(name(k.name), body, unclaimedLeft(k.RBRACE().getSymbol().getTokenIndex()),
                        sameLineAfter(k.RBRACE().getSymbol()), c, span(k));
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
        // Children are walked directly: the generated accessors scan and copy them on every call,
        // which dominated the time spent on large files.
        List<Item> items = new ArrayList<>();
        for (ParseTree child : p.children) {
            if (child instanceof AttnParser.ItemContext i) {
                List<Word> words = new ArrayList<>(i.getChildCount());
                for (ParseTree w : i.children) {
                    if (w instanceof AttnParser.WordContext word) {
                        words.add(word(word));
                    }
                }
                items.add(new Item(words, span(i)));
            }
        }
        return new Property(name(p.key), items, c, span(p));
    }

    private Word word(AttnParser.WordContext w) {
        return switch (w.getChild(0)) {
            case AttnParser.IdentContext id -> new Word.Ident(shared(id.getStart().getText()), span(w));
            case AttnParser.QuantityContext q -> quantity(q);
            default -> new Word.Str(unquote(w.getStart().getText()), span(w));
        };
    }

    private Word.Quantity quantity(AttnParser.QuantityContext q) {
        String literal = shared((q.MINUS() != null ? "-" : "") + q.NUMBER().getText());
        String unit = q.unit() == null ? "" : shared(q.unit().getText());
        return new Word.Quantity(literal, unit, span(q));
    }

    private HeadSet headSet(AttnParser.HeadSetContext h) {
        return switch (h) {
            case AttnParser.AllHeadsContext a -> new HeadSet.All(span(a));
            case AttnParser.HeadRangesContext r -> new HeadSet.Ranges(r.headRange().stream()
                    .map(x -> new HeadSet.Range(x.first.getText(), Optional.ofNullable(x.last).map(AttnParser.HeadIndexContext::getText), span(x)))
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

    /** An or-chain, flattened: nested chains of the same operator (from parentheses) are merged. */
    private MaskExpr mask(AttnParser.MaskExprContext m) {
        List<AttnParser.AndExprContext> terms = m.andExpr();
        if (terms.size() == 1) {
            return and(terms.getFirst());
        }
        List<MaskExpr> ops = new ArrayList<>(terms.size());
        for (AttnParser.AndExprContext t : terms) {
            switch (and(t)) {
                case MaskExpr.Or inner -> ops.addAll(inner.operands());
                case MaskExpr e -> ops.add(e);
            }
        }
        return new MaskExpr.Or(ops, span(m));
    }

    private MaskExpr and(AttnParser.AndExprContext a) {
        List<AttnParser.UnaryExprContext> factors = a.unaryExpr();
        if (factors.size() == 1) {
            return unary(factors.getFirst());
        }
        List<MaskExpr> ops = new ArrayList<>(factors.size());
        for (AttnParser.UnaryExprContext f : factors) {
            switch (unary(f)) {
                case MaskExpr.And inner -> ops.addAll(inner.operands());
                case MaskExpr e -> ops.add(e);
            }
        }
        return new MaskExpr.And(ops, span(a));
    }

    /** A call, a negation or parentheses; only the last two recurse, and {@link SourceParser#MAX_NESTING} bounds them. */
    private MaskExpr unary(AttnParser.UnaryExprContext u) {
        return switch (u) {
            case AttnParser.ParenMaskContext p -> mask(p.maskExpr());
            case AttnParser.NotMaskContext n -> new MaskExpr.Not(unary(n.unaryExpr()), span(n));
            case AttnParser.CallMaskContext c -> new MaskExpr.Call(name(c.fn), c.arg().stream()
                    .map(arg -> new MaskExpr.Arg(Optional.ofNullable(arg.name).map(this::name), quantity(arg.quantity()), span(arg)))
                    .toList(), span(c));
            default -> throw new IllegalStateException("unknown mask " + u.getClass().getSimpleName());
        };
    }

    private Name name(AttnParser.IdentContext id) {
        return new Name(shared(id.getStart().getText()), span(id)); // an ident is one token
    }

    // ---- comments -------------------------------------------------------------------------

    /**
     * The comments of a line-level node. Leading: the unclaimed ones before it, then those inside
     * it up to {@code lineEnd} (a canonical line has no room for them); trailing: those after
     * {@code lineEnd} on its line. Blank lines between leading comments are kept as {@code ""}.
     */
    private Comments comments(ParserRuleContext ctx, Token lineEnd, boolean firstInBlock) {
        int startIndex = ctx.getStart().getTokenIndex();
        List<Token> before = unclaimedTokensLeft(startIndex);
        int firstIndex = before.isEmpty() ? startIndex : before.getFirst().getTokenIndex();
        boolean blank = !firstInBlock && blankLineBefore(firstIndex);
        List<String> leading = texts(before);
        if (!before.isEmpty() && blankLineBefore(startIndex)) {
            leading.add("");
        }
        List<Token> inside = new ArrayList<>();
        for (int i = startIndex; i <= lineEnd.getTokenIndex(); i++) {
            Token t = tokens.get(i);
            if (t.getChannel() == Token.HIDDEN_CHANNEL && !claimed.get(i)) {
                claimed.set(i);
                inside.add(t);
            }
        }
        leading.addAll(texts(inside));
        return new Comments(blank, leading, sameLineAfter(lineEnd));
    }

    /** The comments after {@code token} on its line, claimed. */
    private List<String> sameLineAfter(Token token) {
        List<String> out = new ArrayList<>();
        for (int i = token.getTokenIndex() + 1; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.getChannel() != Token.HIDDEN_CHANNEL || t.getLine() != token.getLine()) {
                break;
            }
            claimed.set(i);
            out.add(commentText(t));
        }
        return out;
    }

    /** Comment texts, with {@code ""} where a blank line separates two of them. */
    private List<String> texts(List<Token> comments) {
        List<String> out = new ArrayList<>(comments.size());
        for (int i = 0; i < comments.size(); i++) {
            Token t = comments.get(i);
            if (i > 0 && comments.get(i - 1).getTokenIndex() == t.getTokenIndex() - 1 && blankLineBefore(t.getTokenIndex())) {
                out.add("");
            }
            out.add(commentText(t));
        }
        return out;
    }

    private List<String> unclaimedLeft(int tokenIndex) {
        return texts(unclaimedTokensLeft(tokenIndex));
    }

    private List<Token> unclaimedTokensLeft(int tokenIndex) {
        List<Token> out = new ArrayList<>();
        for (int i = tokenIndex - 1; i >= 0; i--) {
            Token t = tokens.get(i);
            if (t.getChannel() != Token.HIDDEN_CHANNEL) {
                break;
            }
            if (!claimed.get(i)) {
                out.add(t);
                claimed.set(i);
            }
        }
        return out.reversed();
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

    /**
     * One copy of each short text: a large file repeats the same few names and numbers, and the
     * tree it keeps costs garbage collection in proportion to its size.
     */
    private String shared(String text) {
        if (text.length() > 32) {
            return text;
        }
        String first = texts.putIfAbsent(text, text);
        return first == null ? text : first;
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

    /**
     * True when no syntax error was reported inside the node, and its subtree holds no trace of
     * ANTLR's recovery: an error node, an exception, or a rule that matched nothing (a token the
     * parser pretended to see).
     */
    private boolean isClean(ParserRuleContext node, boolean recovered) {
        Span span = span(node);
        int[] errors = errorOffsets.get();
        int i = java.util.Arrays.binarySearch(errors, span.start());
        int next = i >= 0 ? i : -i - 1;
        if (next < errors.length && errors[next] <= span.end()) {
            return false;
        }
        // Without recovery (the fast stage parsed it) every node is sound.
        return !recovered || isWellFormed(node);
    }

    private static boolean isWellFormed(ParseTree root) {
        ArrayDeque<ParseTree> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            ParseTree tree = todo.pop();
            if (tree instanceof ErrorNode) {
                return false;
            }
            if (tree instanceof ParserRuleContext ctx) {
                if (ctx.exception != null || ctx.getChildCount() == 0) {
                    return false;
                }
                for (int i = 0; i < ctx.getChildCount(); i++) {
                    todo.push(ctx.getChild(i));
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
                    case 'r' -> '\r';
                    default -> n;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
