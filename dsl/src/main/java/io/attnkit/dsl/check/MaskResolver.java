package io.attnkit.dsl.check;

import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.source.Diagnostics;
import io.attnkit.dsl.source.ErrorCode;
import io.attnkit.dsl.source.Span;
import io.attnkit.dsl.syntax.MaskExpr;
import io.attnkit.dsl.syntax.Property.Word;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Checks mask expressions against the kernel's shape and builds the {@link Mask} model. All
 * problems of an expression are reported, not only the first.
 */
final class MaskResolver {
    /** Every mask function: its parameters in positional order. */
    static final Map<String, List<String>> FUNCTIONS = new LinkedHashMap<>();

    static {
        FUNCTIONS.put("dense", List.of());
        FUNCTIONS.put("causal", List.of());
        FUNCTIONS.put("window", List.of("size"));
        FUNCTIONS.put("sink", List.of("count"));
        FUNCTIONS.put("prefix", List.of("length"));
        FUNCTIONS.put("document", List.of("lengths..."));
        FUNCTIONS.put("topk_blocks", List.of("block", "k"));
        FUNCTIONS.put("xattention", List.of("block", "stride", "threshold"));
        FUNCTIONS.put("nsa", List.of("compress", "stride", "select", "count", "window"));
    }

    private static final Set<String> NONE = Set.of("");
    /**
     * Masks are written by hand: a few terms. The bound keeps a generated one from becoming a
     * kernel that javac or nvcc cannot compile (a 10,000-term predicate is "code too large").
     */
    static final int MAX_TERMS = 256;

    private final Diagnostics diagnostics;
    private final Values values;
    /** Null when the shape itself failed to check: then only shape-independent checks run. */
    private final Shape shape;

    MaskResolver(Diagnostics diagnostics, Shape shape) {
        this.diagnostics = diagnostics;
        this.values = new Values(diagnostics);
        this.shape = shape;
    }

    Optional<Mask> resolve(MaskExpr expr) {
        int terms = terms(expr);
        if (terms > MAX_TERMS) {
            diagnostics.error(ErrorCode.E045, expr.span(), "mask has " + terms + " terms; at most " + MAX_TERMS
                    + " are allowed", "every term becomes code in each generated kernel");
            return Optional.empty();
        }
        return resolve(expr, false);
    }

    private static int terms(MaskExpr expr) {
        return switch (expr) {
            case MaskExpr.And a -> a.operands().stream().mapToInt(MaskResolver::terms).sum();
            case MaskExpr.Or o -> o.operands().stream().mapToInt(MaskResolver::terms).sum();
            case MaskExpr.Not n -> terms(n.operand());
            case MaskExpr.Call c -> 1;
        };
    }

    private Optional<Mask> resolve(MaskExpr expr, boolean negated) {
        return switch (expr) {
            case MaskExpr.And a -> all(a.operands(), negated).map(ops -> new Mask.And(ops, a.span()));
            case MaskExpr.Or o -> all(o.operands(), negated).map(ops -> new Mask.Or(ops, o.span()));
            case MaskExpr.Not n -> resolve(n.operand(), true).map(m -> new Mask.Not(m, n.span()));
            case MaskExpr.Call c -> call(c, negated);
        };
    }

    private Optional<List<Mask>> all(List<MaskExpr> operands, boolean negated) {
        List<Mask> out = new ArrayList<>();
        boolean ok = true;
        for (MaskExpr e : operands) {
            Optional<Mask> m = resolve(e, negated);
            ok &= m.isPresent();
            m.ifPresent(out::add);
        }
        return ok ? Optional.of(out) : Optional.empty();
    }

    private Optional<Mask> call(MaskExpr.Call c, boolean negated) {
        String fn = c.fn().text();
        Span span = c.span();
        List<String> params = FUNCTIONS.get(fn);
        if (params == null) {
            diagnostics.error(ErrorCode.E040, c.fn().span(), "unknown mask " + DiagnosticRenderer.quote(fn)
                    + Suggest.hint(fn, FUNCTIONS.keySet()), "masks: " + String.join(", ", FUNCTIONS.keySet()));
            return Optional.empty();
        }
        boolean selector = fn.equals("topk_blocks") || fn.equals("xattention") || fn.equals("nsa");
        if (selector && negated) {
            diagnostics.error(ErrorCode.E043, span, "'" + fn + "' selects keys from the data and cannot be negated",
                    "negate the static part of the mask instead");
            return Optional.empty();
        }
        if (fn.equals("document")) {
            return document(c);
        }
        Optional<Map<String, Word.Quantity>> args = bind(c, params);
        if (args.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Word.Quantity> a = args.get();
        boolean sized = shape != null;
        int kv = sized ? shape.kvLen() : Integer.MAX_VALUE;
        int q = sized ? shape.qLen() : Integer.MAX_VALUE;
        return switch (fn) {
            case "dense" -> Optional.of(new Mask.Dense(span));
            case "causal" -> Optional.of(new Mask.Causal(span));
            case "window" -> count(a, "size", "window size", 1).map(w -> new Mask.Window(w, span));
            case "sink" -> count(a, "count", "sink count", 1).map(s -> new Mask.Sink(s, span));
            case "prefix" -> count(a, "length", "prefix length", 1).map(n -> new Mask.Prefix(n, span));
            case "topk_blocks" -> {
                Optional<Integer> block = count(a, "block", "topk_blocks block", 1);
                Optional<Integer> k = count(a, "k", "topk_blocks k", 1);
                if (block.isEmpty() || k.isEmpty()) {
                    yield Optional.empty();
                }
                long blocks = ceilDiv(kv, block.get());
                boolean ok = fits(block.get() <= kv, a.get("block"), "block " + block.get() + " is longer than kv_len " + kv);
                ok &= fits(k.get() <= blocks, a.get("k"), "k " + k.get() + " exceeds the " + blocks + " blocks of kv_len " + kv
                        + " in blocks of " + block.get());
                yield ok ? Optional.of(new Mask.TopKBlocks(block.get(), k.get(), span)) : Optional.empty();
            }
            case "xattention" -> {
                Optional<Integer> block = count(a, "block", "xattention block", 1);
                Optional<Integer> stride = count(a, "stride", "xattention stride", 1);
                OptionalDouble threshold = fraction(a.get("threshold"), "xattention threshold");
                if (block.isEmpty() || stride.isEmpty() || threshold.isEmpty()) {
                    yield Optional.empty();
                }
                boolean ok = fits(block.get() % stride.get() == 0, a.get("stride"), "stride " + stride.get()
                        + " does not divide block " + block.get());
                ok &= fits(block.get() <= Math.max(kv, q), a.get("block"), "block " + block.get()
                        + " is longer than the sequence (q_len " + q + ", kv_len " + kv + ")");
                yield ok ? Optional.of(new Mask.XAttention(block.get(), stride.get(), threshold.getAsDouble(), span))
                        : Optional.empty();
            }
            case "nsa" -> {
                Optional<Integer> compress = count(a, "compress", "nsa compress length", 1);
                Optional<Integer> stride = count(a, "stride", "nsa stride", 1);
                Optional<Integer> select = count(a, "select", "nsa select block", 1);
                Optional<Integer> selectCount = count(a, "count", "nsa select count", 1);
                Optional<Integer> window = count(a, "window", "nsa window", 0);
                if (compress.isEmpty() || stride.isEmpty() || select.isEmpty() || selectCount.isEmpty() || window.isEmpty()) {
                    yield Optional.empty();
                }
                boolean ok = fits(compress.get() % stride.get() == 0, a.get("stride"), "stride " + stride.get()
                        + " does not divide compress length " + compress.get());
                ok &= fits(select.get() % stride.get() == 0, a.get("select"), "select block " + select.get()
                        + " is not a multiple of stride " + stride.get());
                ok &= fits(compress.get() <= kv, a.get("compress"), "compress length " + compress.get()
                        + " is longer than kv_len " + kv);
                long blocks = ceilDiv(kv, select.get());
                ok &= fits(selectCount.get() <= blocks, a.get("count"), "count " + selectCount.get() + " exceeds the "
                        + blocks + " blocks of kv_len " + kv + " in blocks of " + select.get());
                yield ok ? Optional.of(new Mask.Nsa(compress.get(), stride.get(), select.get(), selectCount.get(),
                        window.get(), span)) : Optional.empty();
            }
            default -> throw new IllegalStateException("mask function without a resolver: " + fn);
        };
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private boolean fits(boolean condition, Word.Quantity at, String message) {
        if (!condition) {
            diagnostics.error(ErrorCode.E042, at.span(), message);
        }
        return condition;
    }

    /** Binds positional and named arguments to parameters, reporting every mismatch. */
    private Optional<Map<String, Word.Quantity>> bind(MaskExpr.Call c, List<String> params) {
        String fn = c.fn().text();
        Map<String, Word.Quantity> bound = new LinkedHashMap<>();
        boolean ok = true;
        int position = 0;
        boolean sawNamed = false;
        for (MaskExpr.Arg arg : c.args()) {
            String param;
            if (arg.name().isPresent()) {
                sawNamed = true;
                param = arg.name().get().text();
                if (!params.contains(param)) {
                    diagnostics.error(ErrorCode.E041, arg.name().get().span(), "'" + fn + "' has no parameter "
                            + DiagnosticRenderer.quote(param) + Suggest.hint(param, params), signature(fn, params));
                    ok = false;
                    continue;
                }
            } else {
                if (sawNamed) {
                    diagnostics.error(ErrorCode.E041, arg.span(), "positional argument after a named one in '" + fn + "'");
                    ok = false;
                    continue;
                }
                if (position >= params.size()) {
                    diagnostics.error(ErrorCode.E041, arg.span(), "'" + fn + "' takes " + params.size() + " argument"
                            + (params.size() == 1 ? "" : "s") + ", got " + c.args().size(), signature(fn, params));
                    ok = false;
                    break;
                }
                param = params.get(position++);
            }
            if (bound.putIfAbsent(param, arg.value()) != null) {
                diagnostics.error(ErrorCode.E041, arg.span(), "'" + param + "' is given twice in '" + fn + "'");
                ok = false;
            }
        }
        for (String p : params) {
            if (ok && !bound.containsKey(p)) {
                diagnostics.error(ErrorCode.E041, c.span(), "'" + fn + "' is missing '" + p + "'", signature(fn, params));
                ok = false;
            }
        }
        return ok ? Optional.of(bound) : Optional.empty();
    }

    private static String signature(String fn, List<String> params) {
        return "usage: " + fn + (params.isEmpty() ? "" : "(" + String.join(", ", params) + ")");
    }

    private Optional<Integer> count(Map<String, Word.Quantity> args, String param, String what, long min) {
        OptionalLong v = values.count(args.get(param), what, min, Integer.MAX_VALUE, NONE);
        return v.isPresent() ? Optional.of((int) v.getAsLong()) : Optional.empty();
    }

    private OptionalDouble fraction(Word.Quantity q, String what) {
        Optional<Values.Measured> m = values.split(q);
        if (m.isEmpty()) {
            return OptionalDouble.empty();
        }
        OptionalDouble v = values.measure(m.get(), Dimension.RATIO, what, NONE);
        if (v.isPresent() && !(v.getAsDouble() > 0 && v.getAsDouble() <= 1)) {
            diagnostics.error(ErrorCode.E017, q.span(), what + " must be in (0, 1], got " + Values.shown(q));
            return OptionalDouble.empty();
        }
        return v;
    }

    private Optional<Mask> document(MaskExpr.Call c) {
        if (c.args().isEmpty()) {
            diagnostics.error(ErrorCode.E041, c.span(), "'document' needs the length of each document",
                    "usage: document(512, 1024, 512), lengths summing to kv_len");
            return Optional.empty();
        }
        List<Integer> lengths = new ArrayList<>();
        boolean ok = true;
        for (MaskExpr.Arg arg : c.args()) {
            if (arg.name().isPresent()) {
                diagnostics.error(ErrorCode.E041, arg.span(), "document lengths are positional");
                ok = false;
                continue;
            }
            OptionalLong v = values.count(arg.value(), "document length", 1, Integer.MAX_VALUE, NONE);
            ok &= v.isPresent();
            v.ifPresent(x -> lengths.add((int) x));
        }
        if (!ok) {
            return Optional.empty();
        }
        if (shape == null) {
            return Optional.of(new Mask.Document(lengths, c.span()));
        }
        BigDecimal sum = lengths.stream().map(BigDecimal::valueOf).reduce(BigDecimal.ZERO, BigDecimal::add);
        if (sum.compareTo(BigDecimal.valueOf(shape.kvLen())) != 0) {
            diagnostics.error(ErrorCode.E044, c.span(), "document lengths sum to " + sum + ", but kv_len is " + shape.kvLen());
            return Optional.empty();
        }
        return Optional.of(new Mask.Document(lengths, c.span()));
    }
}
