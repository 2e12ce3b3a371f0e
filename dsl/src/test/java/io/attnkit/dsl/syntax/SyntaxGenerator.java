package io.attnkit.dsl.syntax;

import io.attnkit.dsl.source.Span;
import io.attnkit.dsl.syntax.KernelStmt.HeadPattern;
import io.attnkit.dsl.syntax.KernelStmt.HeadSet;
import io.attnkit.dsl.syntax.Property.Item;
import io.attnkit.dsl.syntax.Property.Word;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Random syntax trees of the kind the parser produces: any names, numbers, units, strings and
 * comments the grammar allows, in the places it allows them, and nothing it would read back
 * differently (a unit-less number is never followed by a name, which would become its unit;
 * chains of one operator are flat). Nothing is checked for meaning.
 */
final class SyntaxGenerator {
    private static final Set<String> KEYWORDS = Set.of("import", "target", "extends", "router", "kernel", "mask", "heads",
            "route");
    private static final List<String> USABLE_KEYWORDS = List.of("target", "kernel", "router", "import", "extends", "route");
    private static final String STRING_CHARS = "abc xyz_019-./\"\\\t\n\réß東京🚀";
    private static final String COMMENT_CHARS = "abc XYZ 0.9 *-/ #\"'`é東🚀";

    private final SplittableRandom random;

    SyntaxGenerator(long seed) {
        this.random = new SplittableRandom(seed);
    }

    AttnFile file() {
        List<AttnFile.Import> imports = new ArrayList<>();
        int n = random.nextInt(3);
        for (int i = 0; i < n; i++) {
            imports.add(new AttnFile.Import(string(), comments(i > 0), Span.NONE));
        }
        List<Decl> decls = new ArrayList<>();
        int d = random.nextInt(5);
        for (int i = 0; i < d; i++) {
            // fmt separates declarations (and imports from them) by a blank line
            boolean blank = i > 0 || !imports.isEmpty();
            decls.add(decl(new Comments(blank, leading(), trailing())));
        }
        return new AttnFile(imports, decls, closing(), Span.NONE);
    }

    private Decl decl(Comments comments) {
        return switch (random.nextInt(3)) {
            case 0 -> new Decl.TargetDecl(name(), random.nextBoolean() ? Optional.of(name()) : Optional.empty(), properties(),
                    closing(), trailing(), comments, Span.NONE);
            case 1 -> new Decl.RouterDecl(name(), properties(), closing(), trailing(), comments, Span.NONE);
            default -> {
                List<KernelStmt> body = new ArrayList<>();
                int n = random.nextInt(6);
                for (int i = 0; i < n; i++) {
                    Comments c = comments(i > 0);
                    body.add(switch (random.nextInt(3)) {
                        case 0 -> property(c);
                        case 1 -> new KernelStmt.MaskStmt(mask(3), c, Span.NONE);
                        default -> new KernelStmt.HeadsStmt(headSet(), headPattern(), c, Span.NONE);
                    });
                }
                yield new Decl.KernelDecl(name(), body, closing(), trailing(), comments, Span.NONE);
            }
        };
    }

    private List<Property> properties() {
        List<Property> out = new ArrayList<>();
        int n = random.nextInt(6);
        for (int i = 0; i < n; i++) {
            out.add(property(comments(i > 0)));
        }
        return out;
    }

    private Property property(Comments comments) {
        List<Item> items = new ArrayList<>();
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            items.add(item());
        }
        return new Property(word(), items, comments, Span.NONE);
    }

    private Item item() {
        List<Word> words = new ArrayList<>();
        int n = 1 + random.nextInt(4);
        for (int i = 0; i < n; i++) {
            boolean afterBareNumber = !words.isEmpty() && words.getLast() instanceof Word.Quantity q && q.unit().isEmpty();
            words.add(switch (random.nextInt(afterBareNumber ? 2 : 3)) {
                case 0 -> quantity();
                case 1 -> new Word.Str(string(), Span.NONE);
                default -> new Word.Ident(word().text(), Span.NONE);
            });
        }
        return new Item(words, Span.NONE);
    }

    private Word.Quantity quantity() {
        String literal = (random.nextInt(5) == 0 ? "-" : "") + digits();
        if (random.nextBoolean()) {
            literal += "." + digits();
        }
        if (random.nextInt(4) == 0) {
            literal += (random.nextBoolean() ? "e" : "E") + List.of("", "+", "-").get(random.nextInt(3)) + digits();
        }
        return new Word.Quantity(literal, unit(), Span.NONE);
    }

    private String unit() {
        return switch (random.nextInt(7)) {
            case 0, 1 -> "";
            case 2 -> List.of("K", "Mi", "x", "%", "k").get(random.nextInt(5));
            case 3 -> "/" + ident();
            case 4 -> ident() + "/" + ident();
            default -> ident();
        };
    }

    private String digits() {
        StringBuilder b = new StringBuilder();
        int n = 1 + random.nextInt(random.nextInt(10) == 0 ? 30 : 4);
        for (int i = 0; i < n; i++) {
            b.append((char) ('0' + random.nextInt(10)));
        }
        return b.toString();
    }

    private HeadSet headSet() {
        if (random.nextInt(4) == 0) {
            return new HeadSet.All(Span.NONE);
        }
        List<HeadSet.Range> ranges = new ArrayList<>();
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            ranges.add(new HeadSet.Range(digits(), random.nextBoolean() ? Optional.of(digits()) : Optional.empty(), Span.NONE));
        }
        return new HeadSet.Ranges(ranges, Span.NONE);
    }

    private HeadPattern headPattern() {
        if (random.nextInt(3) == 0) {
            return new HeadPattern.Routed(Name.of(ident()), mask(2), mask(2), Span.NONE);
        }
        return new HeadPattern.Fixed(mask(3), Span.NONE);
    }

    private MaskExpr mask(int depth) {
        int pick = random.nextInt(depth > 0 ? 5 : 2);
        return switch (pick) {
            case 0, 1 -> call();
            case 2 -> new MaskExpr.Not(mask(depth - 1), Span.NONE);
            case 3 -> new MaskExpr.And(operands(depth, MaskExpr.And.class), Span.NONE);
            default -> new MaskExpr.Or(operands(depth, MaskExpr.Or.class), Span.NONE);
        };
    }

    private List<MaskExpr> operands(int depth, Class<?> same) {
        List<MaskExpr> out = new ArrayList<>();
        int n = 2 + random.nextInt(3);
        while (out.size() < n) {
            MaskExpr e = mask(depth - 1);
            if (!same.isInstance(e)) { // a chain inside a chain of the same operator reads back flattened
                out.add(e);
            }
        }
        return out;
    }

    private MaskExpr.Call call() {
        List<MaskExpr.Arg> args = new ArrayList<>();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            args.add(new MaskExpr.Arg(random.nextBoolean() ? Optional.of(Name.of(ident())) : Optional.empty(), quantity(),
                    Span.NONE));
        }
        return new MaskExpr.Call(Name.of(ident()), args, Span.NONE);
    }

    /** A name where the grammar also accepts the keywords that are not statements. */
    private Name word() {
        return Name.of(random.nextInt(8) == 0 ? USABLE_KEYWORDS.get(random.nextInt(USABLE_KEYWORDS.size())) : ident());
    }

    private Name name() {
        return word();
    }

    private String ident() {
        while (true) {
            StringBuilder b = new StringBuilder();
            String first = "abcxyzKMB_";
            String rest = "abcxyzKMB_019";
            b.append(first.charAt(random.nextInt(first.length())));
            int n = random.nextInt(random.nextInt(20) == 0 ? 60 : 8);
            for (int i = 0; i < n; i++) {
                b.append(rest.charAt(random.nextInt(rest.length())));
            }
            if (random.nextInt(6) == 0) {
                b.append('-').append(rest.charAt(random.nextInt(rest.length())));
            }
            if (!KEYWORDS.contains(b.toString())) {
                return b.toString();
            }
        }
    }

    private String string() {
        StringBuilder b = new StringBuilder();
        int n = random.nextInt(12);
        for (int i = 0; i < n; ) {
            int cp = STRING_CHARS.codePointAt(STRING_CHARS.offsetByCodePoints(0, random.nextInt(STRING_CHARS.codePointCount(0,
                    STRING_CHARS.length()))));
            b.appendCodePoint(cp);
            i++;
        }
        return b.toString();
    }

    // ---- comments: in the shapes the parser gives back --------------------------------------

    private Comments comments(boolean mayBeBlank) {
        return new Comments(mayBeBlank && random.nextBoolean(), leading(), trailing());
    }

    /** Comments on lines of their own, with blank lines ("") between them or after the last. */
    private List<String> leading() {
        List<String> out = new ArrayList<>();
        int n = random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 0;
        for (int i = 0; i < n; i++) {
            out.add(comment(true));
            if (random.nextInt(3) == 0) {
                out.add("");
            }
        }
        return out;
    }

    /** Comments after a statement or a brace on its line: block comments, then perhaps one line comment. */
    private List<String> trailing() {
        List<String> out = new ArrayList<>();
        if (random.nextInt(4) == 0) {
            int n = random.nextInt(2);
            for (int i = 0; i < n; i++) {
                out.add("/*" + commentText(false) + "*/");
            }
            out.add(comment(false));
        }
        return out;
    }

    /** Comments before a closing brace or the end of the file: blank lines only between them. */
    private List<String> closing() {
        List<String> out = new ArrayList<>();
        int n = random.nextInt(5) == 0 ? 1 + random.nextInt(3) : 0;
        for (int i = 0; i < n; i++) {
            if (i > 0 && random.nextInt(3) == 0) {
                out.add("");
            }
            out.add(comment(true));
        }
        return out;
    }

    private String comment(boolean multiLine) {
        return random.nextBoolean() ? "//" + commentText(false).stripTrailing()
                : "/*" + commentText(multiLine) + "*/";
    }

    private String commentText(boolean multiLine) {
        StringBuilder b = new StringBuilder(" ");
        int n = random.nextInt(20);
        for (int i = 0; i < n; i++) {
            if (multiLine && random.nextInt(15) == 0) {
                b.append("\n   ");
            }
            int cp = COMMENT_CHARS.codePointAt(COMMENT_CHARS.offsetByCodePoints(0, random.nextInt(COMMENT_CHARS.codePointCount(0,
                    COMMENT_CHARS.length()))));
            b.appendCodePoint(cp);
        }
        String s = b.toString().replace("*/", "* /");
        return s.endsWith("*") || s.endsWith("/") ? s + " " : s;
    }
}
