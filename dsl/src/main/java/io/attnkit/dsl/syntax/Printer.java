package io.attnkit.dsl.syntax;

import io.attnkit.dsl.syntax.Decl.KernelDecl;
import io.attnkit.dsl.syntax.Decl.RouterDecl;
import io.attnkit.dsl.syntax.Decl.TargetDecl;
import io.attnkit.dsl.syntax.KernelStmt.HeadPattern;
import io.attnkit.dsl.syntax.KernelStmt.HeadSet;
import io.attnkit.dsl.syntax.Property.Item;
import io.attnkit.dsl.syntax.Property.Word;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The canonical text of a syntax tree: what {@code attnkit fmt} writes. Two-space indentation,
 * one declaration per paragraph, minimal parentheses, every comment kept.
 */
public final class Printer {
    private static final String INDENT = "  ";
    /** Unit suffixes written against their number: {@code 128K}, {@code 4x}. */
    private static final Set<String> ATTACHED_UNITS = Set.of("K", "M", "G", "Ki", "Mi", "Gi", "k", "x", "%");

    private final StringBuilder out = new StringBuilder();

    private Printer() {
    }

    public static String print(AttnFile file) {
        Printer p = new Printer();
        p.file(file);
        return p.out.toString();
    }

    public static String print(MaskExpr mask) {
        Printer p = new Printer();
        p.mask(mask, 0);
        return p.out.toString();
    }

    private void file(AttnFile file) {
        boolean first = true;
        for (AttnFile.Import i : file.imports()) {
            leading(i.comments(), "", first);
            out.append("import ").append(quote(i.path())).append(';');
            trailing(i.comments().trailing());
            first = false;
        }
        for (Decl d : file.decls()) {
            if (!first) {
                out.append('\n');
            }
            leading(withoutBlank(d.comments()), "", true);
            out.append(d.keyword()).append(' ').append(d.name().text());
            if (d instanceof TargetDecl t && t.base().isPresent()) {
                out.append(" extends ").append(t.base().get().text());
            }
            out.append(" {");
            trailing(d.comments().trailing());
            switch (d) {
                case TargetDecl t -> statements(t.properties());
                case RouterDecl r -> statements(r.properties());
                case KernelDecl k -> statements(k.body());
            }
            for (String c : d.closingComments()) {
                out.append(c.isEmpty() ? "" : INDENT).append(c).append('\n');
            }
            out.append('}');
            trailing(d.afterClose());
            first = false;
        }
        if (!file.closingComments().isEmpty() && !first) {
            out.append('\n');
        }
        for (String c : file.closingComments()) {
            out.append(c).append('\n');
        }
    }

    private static Comments withoutBlank(Comments c) {
        return new Comments(false, c.leading(), c.trailing());
    }

    private void statements(List<? extends KernelStmt> statements) {
        boolean first = true;
        for (KernelStmt s : statements) {
            leading(s.comments(), INDENT, first);
            out.append(INDENT);
            switch (s) {
                case Property p -> property(p);
                case KernelStmt.MaskStmt m -> {
                    out.append("mask ");
                    mask(m.expr(), 0);
                }
                case KernelStmt.HeadsStmt h -> {
                    out.append("heads ");
                    headSet(h.heads());
                    out.append(": ");
                    switch (h.pattern()) {
                        case HeadPattern.Fixed f -> mask(f.mask(), 0);
                        case HeadPattern.Routed r -> {
                            out.append("route ").append(r.router().text()).append('(');
                            mask(r.full(), 0);
                            out.append(", ");
                            mask(r.sparse(), 0);
                            out.append(')');
                        }
                    }
                }
            }
            out.append(';');
            trailing(s.comments().trailing());
            first = false;
        }
    }

    private void leading(Comments c, String indent, boolean first) {
        if (c.blankLineBefore() && !first) {
            out.append('\n');
        }
        for (String line : c.leading()) {
            out.append(line.isEmpty() ? "" : indent).append(line).append('\n');
        }
    }

    /** Comments after a node on its last line, then the end of that line. */
    private void trailing(List<String> comments) {
        for (String t : comments) {
            out.append("  ").append(t);
        }
        out.append('\n');
    }

    private void property(Property p) {
        out.append(p.key().text()).append(' ');
        out.append(p.items().stream().map(Printer::itemText).collect(Collectors.joining(", ")));
    }

    /** The text of one property item, as fmt writes it. */
    public static String itemText(Item item) {
        return item.words().stream().map(Printer::word).collect(Collectors.joining(" "));
    }

    /** The text of one word, as fmt writes it. */
    public static String word(Word w) {
        return switch (w) {
            case Word.Ident i -> i.text();
            case Word.Str s -> quote(s.value());
            case Word.Quantity q -> quantity(q);
        };
    }

    public static String quantity(Word.Quantity q) {
        if (q.unit().isEmpty()) {
            return q.literal();
        }
        boolean attached = q.unit().startsWith("/") || ATTACHED_UNITS.contains(q.unit());
        return q.literal() + (attached ? "" : " ") + q.unit();
    }

    private void headSet(HeadSet set) {
        switch (set) {
            case HeadSet.All a -> out.append('*');
            case HeadSet.Ranges r -> out.append(r.ranges().stream()
                    .map(x -> x.first() + x.last().map(l -> ".." + l).orElse(""))
                    .collect(Collectors.joining(", ")));
        }
    }

    private static int precedence(MaskExpr m) {
        return switch (m) {
            case MaskExpr.Or o -> 1;
            case MaskExpr.And a -> 2;
            case MaskExpr.Not n -> 3;
            case MaskExpr.Call c -> 4;
        };
    }

    private void mask(MaskExpr m, int context) {
        boolean parens = precedence(m) < context;
        if (parens) {
            out.append('(');
        }
        switch (m) {
            case MaskExpr.Or o -> operands(o.operands(), " | ", 2);
            case MaskExpr.And a -> operands(a.operands(), " & ", 3);
            case MaskExpr.Not n -> {
                out.append('!');
                mask(n.operand(), 4);
            }
            case MaskExpr.Call c -> {
                out.append(c.fn().text());
                if (!c.args().isEmpty()) {
                    out.append('(').append(c.args().stream()
                            .map(a -> a.name().map(n -> n.text() + " ").orElse("") + quantity(a.value()))
                            .collect(Collectors.joining(", "))).append(')');
                }
            }
        }
        if (parens) {
            out.append(')');
        }
    }

    private void operands(List<MaskExpr> operands, String op, int context) {
        for (int i = 0; i < operands.size(); i++) {
            if (i > 0) {
                out.append(op);
            }
            mask(operands.get(i), context);
        }
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
