package io.attnkit.dsl.check;

import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.HeadGroup;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.RouterSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.dsl.model.Tiles;
import io.attnkit.dsl.model.WorkingSet;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.source.Diagnostics;
import io.attnkit.dsl.source.ErrorCode;
import io.attnkit.dsl.source.Span;
import io.attnkit.dsl.syntax.Decl.KernelDecl;
import io.attnkit.dsl.syntax.KernelStmt;
import io.attnkit.dsl.syntax.Printer;
import io.attnkit.dsl.syntax.Property;
import io.attnkit.dsl.syntax.Property.Item;
import io.attnkit.dsl.syntax.Property.Word;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

/** Checks a {@code kernel} declaration and builds its {@link KernelSpec}. */
final class KernelResolver {
    static final List<String> KEYS = List.of("shape", "dtype", "scale", "tile", "target");
    /** The largest scale, rounded down, whose product with log2(e) is a finite f32 (3.4e38 · ln 2). */
    static final double MAX_SCALE = 2.358e38;
    static final List<String> SHAPE_KEYS = List.of("batch", "heads", "kv_heads", "q_len", "kv_len", "head_dim", "v_dim");
    static final List<String> TILE_KEYS = List.of("q", "kv", "stages", "warps");
    /** The largest tile edge. */
    static final int MAX_TILE = 1 << 16;

    /**
     * The largest value of each shape setting. Lengths may use all of an int (positions are
     * computed in 64 bits); head counts and widths are bounded well above any model so that the
     * checks, which look at every head, stay cheap.
     */
    static final Map<String, Long> SHAPE_LIMITS = Map.of("batch", 1L << 20, "heads", 1L << 16, "kv_heads", 1L << 16,
            "q_len", (long) Integer.MAX_VALUE, "kv_len", (long) Integer.MAX_VALUE, "head_dim", 1L << 16, "v_dim", 1L << 16);

    private static final Set<String> NONE = Set.of("");

    /** What the kernel may refer to: a name maps to its spec, or to empty when it exists but failed to check. */
    record Scope(Map<String, Optional<TargetSpec>> targets, Map<String, Optional<RouterSpec>> routers,
                 Optional<TargetSpec> targetOverride) {
    }

    private final Diagnostics diagnostics;
    private final Values values;
    private final Scope scope;

    KernelResolver(Diagnostics diagnostics, Scope scope) {
        this.diagnostics = diagnostics;
        this.values = new Values(diagnostics);
        this.scope = scope;
    }

    Optional<KernelSpec> resolve(KernelDecl decl) {
        int before = diagnostics.errorCount();
        String where = "kernel " + DiagnosticRenderer.quote(decl.name().text());
        List<Property> properties = new ArrayList<>();
        List<KernelStmt.MaskStmt> masks = new ArrayList<>();
        List<KernelStmt.HeadsStmt> heads = new ArrayList<>();
        for (KernelStmt s : decl.body()) {
            switch (s) {
                case Property p -> properties.add(p);
                case KernelStmt.MaskStmt m -> masks.add(m);
                case KernelStmt.HeadsStmt h -> heads.add(h);
            }
        }
        PropertyBag props = new PropertyBag(properties, KEYS, where, diagnostics, KernelResolver::misplaced);
        for (int i = 1; i < masks.size(); i++) {
            diagnostics.error(ErrorCode.E012, masks.get(i).span(), "a kernel has one 'mask'; combine masks with & and |",
                    "first 'mask' at " + masks.getFirst().span().location());
        }

        Optional<Shape> shape = props.require("shape", where, decl.name().span(),
                        "shape batch 1, heads 32, q_len 4096, head_dim 128;", diagnostics)
                .flatMap(this::shape);
        DType dtype = DType.F32;
        DType accumulate = DType.F32;
        if (props.has("dtype")) {
            DType[] d = dtypes(props.get("dtype").get());
            dtype = d[0];
            accumulate = d[1];
        }
        Tiles tiles = props.get("tile").map(this::tiles).orElse(
                new Tiles(Tiles.DEFAULT_Q, Tiles.DEFAULT_KV, Tiles.DEFAULT_STAGES, Tiles.DEFAULT_WARPS, Span.NONE));
        OptionalDouble scale = props.get("scale").map(this::scale).orElse(OptionalDouble.empty());
        Optional<String> targetName = props.get("target").flatMap(this::targetName);
        Optional<TargetSpec> target = scope.targetOverride().or(() -> targetName.flatMap(n -> scope.targets().get(n)));
        // The working set is computed from the settings above; when one of them is wrong, so would it be.
        boolean settingsChecked = diagnostics.errorCount() == before;

        // Without a valid shape, masks and heads are still checked, less the shape-dependent parts.
        Shape s = shape.orElse(null);
        MaskResolver maskResolver = new MaskResolver(diagnostics, s);
        Mask kernelMask = masks.isEmpty() ? new Mask.Dense(Span.NONE)
                : maskResolver.resolve(masks.getFirst().expr()).orElse(null);
        List<HeadGroup> groups = new HeadGroupResolver(diagnostics, scope.routers()).resolve(heads, s, maskResolver, decl);
        if (s == null) {
            return Optional.empty();
        }
        if (settingsChecked && target.isPresent()) {
            checkWorkingSet(s, dtype, accumulate, tiles, target.get(),
                    props.get("tile").map(Property::span).orElse(decl.name().span()));
        }
        if (diagnostics.errorCount() != before || kernelMask == null || groups == null || dtype == null
                || accumulate == null || tiles.span() == null) {
            return Optional.empty();
        }
        return Optional.of(new KernelSpec(decl.name().text(), s, dtype, accumulate,
                scale.orElse(KernelSpec.defaultScale(s.headDim())), tiles, targetName, kernelMask, groups, decl.span()));
    }

    /** Where a setting written as a kernel property belongs. */
    private static Optional<String> misplaced(String key) {
        if (SHAPE_KEYS.contains(key)) {
            return Optional.of("'" + key + "' is set inside 'shape', such as: shape heads 32, " + key + " ...;");
        }
        if (TILE_KEYS.contains(key)) {
            return Optional.of("'" + key + "' is set inside 'tile', such as: tile q 128, kv 64, " + key + " ...;");
        }
        if (key.equals("heads")) {
            return Optional.of("the number of heads is set in 'shape'; 'heads 0..7: dense;' gives heads a pattern");
        }
        if (key.equals("accumulate")) {
            return Optional.of("'accumulate' is set inside 'dtype', such as: dtype bf16, accumulate f32;");
        }
        return Optional.empty();
    }

    // ---- shape ----------------------------------------------------------------------------

    private Optional<Shape> shape(Property p) {
        Map<String, Span> at = new LinkedHashMap<>();
        Map<String, Long> v = named(p, SHAPE_KEYS, "shape", 1, SHAPE_LIMITS::get, at);
        if (v == null) {
            return Optional.empty();
        }
        boolean ok = true;
        for (String required : List.of("heads", "q_len", "head_dim")) {
            if (!v.containsKey(required)) {
                diagnostics.error(ErrorCode.E014, p.span(), "shape has no '" + required + "'",
                        "a shape needs heads, q_len and head_dim; batch (1), kv_heads (heads), kv_len (q_len) and v_dim (head_dim) default");
                ok = false;
            }
        }
        if (!ok) {
            return Optional.empty();
        }
        int batch = v.getOrDefault("batch", 1L).intValue();
        int heads = v.get("heads").intValue();
        int kvHeads = v.getOrDefault("kv_heads", (long) heads).intValue();
        int qLen = v.get("q_len").intValue();
        int kvLen = v.getOrDefault("kv_len", (long) qLen).intValue();
        int headDim = v.get("head_dim").intValue();
        int vDim = v.getOrDefault("v_dim", (long) headDim).intValue();
        if (heads % kvHeads != 0) {
            diagnostics.error(ErrorCode.E023, at.getOrDefault("kv_heads", p.span()), "heads " + heads + " is not a multiple of kv_heads " + kvHeads,
                    "with grouped-query attention each KV head serves heads / kv_heads query heads; kv_heads may be "
                            + String.join(", ", divisors(heads)));
            return Optional.empty();
        }
        long[] flops = {4, batch, heads, qLen, kvLen, Math.max(headDim, vDim)};
        if (!fitsIn64Bits(flops)) {
            diagnostics.error(ErrorCode.E018, p.span(), "shape too large: its FLOP count 4 × batch × heads × q_len × kv_len × "
                            + (vDim > headDim ? "v_dim" : "head_dim") + " does not fit in 64 bits",
                    java.util.Arrays.stream(flops).mapToObj(Long::toString).collect(java.util.stream.Collectors.joining(" × "))
                            + " = " + java.util.Arrays.stream(flops).mapToObj(java.math.BigInteger::valueOf)
                            .reduce(java.math.BigInteger.ONE, java.math.BigInteger::multiply)
                            + " > 2^63 - 1 = " + Long.MAX_VALUE);
            return Optional.empty();
        }
        return Optional.of(new Shape(batch, heads, kvHeads, qLen, kvLen, headDim, vDim, p.span()));
    }

    private static List<String> divisors(int n) {
        List<String> out = new ArrayList<>();
        for (int d = 1; d <= n && out.size() < 12; d++) {
            if (n % d == 0) {
                out.add(String.valueOf(d));
            }
        }
        return out;
    }

    private static boolean fitsIn64Bits(long... factors) {
        try {
            long product = 1;
            for (long f : factors) {
                product = Math.multiplyExact(product, f);
            }
            return product > 0;
        } catch (ArithmeticException e) {
            return false;
        }
    }

    /** Reads {@code name value, name value, ...} items as whole numbers in {@code [min, max]}. */
    private Map<String, Long> named(Property p, List<String> keys, String what, long min, Function<String, Long> max,
                                    Map<String, Span> seen) {
        Map<String, Long> out = new LinkedHashMap<>();
        boolean ok = true;
        for (Item written : p.items()) {
          for (Item item : pairs(written, keys)) {
            if (item.words().size() != 2 || !(item.words().get(0) instanceof Word.Ident key)
                    || !(item.words().get(1) instanceof Word.Quantity q)) {
                diagnostics.error(ErrorCode.E015, item.span(), "expected a name and a number, such as '" + keys.get(1)
                        + " 32', found " + Values.describe(item));
                ok = false;
                continue;
            }
            if (!keys.contains(key.text())) {
                diagnostics.error(ErrorCode.E013, key.span(), "unknown " + what + " setting " + DiagnosticRenderer.quote(key.text())
                        + Suggest.hint(key.text(), keys), what + " settings: " + String.join(", ", keys));
                ok = false;
                continue;
            }
            if (seen.putIfAbsent(key.text(), item.span()) != null) {
                diagnostics.error(ErrorCode.E012, key.span(), DiagnosticRenderer.quote(key.text()) + " is set twice in " + what,
                        "first set at " + seen.get(key.text()).location());
                ok = false;
                continue;
            }
            OptionalLong v = values.count(q, key.text(), min, max.apply(key.text()), NONE);
            if (v.isPresent()) {
                out.put(key.text(), v.getAsLong());
            } else {
                ok = false;
            }
          }
        }
        return ok ? out : null;
    }

    /**
     * An item written {@code q_len 128 head_dim 64} is two settings missing a comma (the parser
     * reads {@code head_dim} as the unit of 128): the comma is reported, and the settings are read
     * as if it were there.
     */
    private List<Item> pairs(Item item, List<String> keys) {
        List<Word> w = new ArrayList<>();
        for (Word word : item.words()) {
            if (word instanceof Word.Quantity q && keys.contains(q.unit())) {
                int unitStart = q.span().end() - q.unit().length();
                w.add(new Word.Quantity(q.literal(), "", new Span(q.span().source(), q.span().start(), unitStart)));
                w.add(new Word.Ident(q.unit(), new Span(q.span().source(), unitStart, q.span().end())));
            } else {
                w.add(word);
            }
        }
        if (w.size() < 4 || w.size() % 2 != 0) {
            return List.of(item);
        }
        for (int i = 0; i < w.size(); i += 2) {
            if (!(w.get(i) instanceof Word.Ident) || !(w.get(i + 1) instanceof Word.Quantity)) {
                return List.of(item);
            }
        }
        List<Item> out = new ArrayList<>();
        for (int i = 0; i < w.size(); i += 2) {
            if (i > 0) {
                Span after = w.get(i - 1).span();
                String number = DiagnosticRenderer.clip(Printer.word(w.get(i - 1)).strip());
                diagnostics.error(ErrorCode.E001, new Span(after.source(), after.end(), after.end()),
                        "expected ',' after '" + number + "' before " + DiagnosticRenderer.quote(Printer.word(w.get(i))));
            }
            Span first = w.get(i).span();
            out.add(new Item(w.subList(i, i + 2), new Span(first.source(), first.start(), w.get(i + 1).span().end())));
        }
        return out;
    }

    // ---- dtype, tiles, scale, target ------------------------------------------------------

    /** {@code dtype bf16, accumulate f32}; an unknown type yields null in its slot. */
    private DType[] dtypes(Property p) {
        DType[] out = {null, DType.F32};
        boolean storage = false;
        for (Item item : p.items()) {
            List<Word> w = item.words();
            if (w.size() == 1 && w.getFirst() instanceof Word.Ident id && !storage) {
                out[0] = dtype(id);
                storage = true;
            } else if (w.size() == 2 && w.get(0) instanceof Word.Ident key && key.text().equals("accumulate")
                    && w.get(1) instanceof Word.Ident id) {
                out[1] = dtype(id);
                if (out[1] != null && out[1] != DType.F32) {
                    diagnostics.error(ErrorCode.E017, id.span(), "accumulate must be f32, got " + DiagnosticRenderer.clip(id.text()),
                            "AttnKit's kernels keep scores and outputs in f32 (as FlashAttention does)");
                    out[1] = null;
                }
            } else if (w.size() == 1 && w.getFirst() instanceof Word.Ident) {
                diagnostics.error(ErrorCode.E015, item.span(), "a kernel has one storage type; " + Values.describe(item)
                        + " is a second one", "for example: dtype bf16, accumulate f32;");
            } else {
                diagnostics.error(ErrorCode.E015, item.span(), "expected a type, or 'accumulate' and a type, found "
                        + Values.describe(item), "for example: dtype bf16, accumulate f32;");
                out[0] = storage ? out[0] : null;
                storage = true;
            }
        }
        if (!storage) {
            diagnostics.error(ErrorCode.E014, p.span(), "dtype has no storage type", "for example: dtype bf16, accumulate f32;");
        }
        return out;
    }

    private DType dtype(Word.Ident id) {
        Optional<DType> d = DType.parse(id.text());
        if (d.isEmpty()) {
            diagnostics.error(ErrorCode.E015, id.span(), "unknown type " + DiagnosticRenderer.quote(id.text())
                    + Suggest.hint(id.text(), TargetFigures.dtypeNames()), "types: " + String.join(", ", TargetFigures.dtypeNames()));
        }
        return d.orElse(null);
    }

    /** {@code tile q 128, kv 64, stages 2, warps 4}; the span is null when something failed. */
    private Tiles tiles(Property p) {
        Map<String, Span> at = new LinkedHashMap<>();
        Map<String, Long> v = named(p, TILE_KEYS, "tile", 1, key -> (long) MAX_TILE, at);
        if (v == null) {
            return new Tiles(1, 1, 1, 1, null);
        }
        long warps = v.getOrDefault("warps", (long) Tiles.DEFAULT_WARPS);
        if (Long.bitCount(warps) != 1 || warps > 32) {
            diagnostics.error(ErrorCode.E017, at.get("warps"), "warps must be a power of two up to 32, got " + warps);
            return new Tiles(1, 1, 1, 1, null);
        }
        long stages = v.getOrDefault("stages", (long) Tiles.DEFAULT_STAGES);
        if (stages > 16) {
            diagnostics.error(ErrorCode.E017, at.get("stages"), "stages must be at most 16, got " + stages);
            return new Tiles(1, 1, 1, 1, null);
        }
        return new Tiles(v.getOrDefault("q", (long) Tiles.DEFAULT_Q).intValue(),
                v.getOrDefault("kv", (long) Tiles.DEFAULT_KV).intValue(), (int) stages, (int) warps, p.span());
    }

    private OptionalDouble scale(Property p) {
        if (p.items().size() != 1) {
            diagnostics.error(ErrorCode.E015, p.span(), "'scale' takes one number");
            return OptionalDouble.empty();
        }
        return values.quantity(p.items().getFirst(), "a number").map(q -> {
            OptionalDouble v = values.positive(q, Dimension.RATIO, "scale", NONE);
            // every backend scales Q by scale × log2(e) in f32 (scores feed exp2); past this it is infinite
            if (v.isPresent() && v.getAsDouble() > MAX_SCALE) {
                diagnostics.error(ErrorCode.E017, q.span(), "scale must be at most 2.358e38, so that scale × log2(e) fits in f32, got "
                        + Values.shown(q));
                return OptionalDouble.empty();
            }
            return v;
        }).orElse(OptionalDouble.empty());
    }

    private Optional<String> targetName(Property p) {
        if (p.items().size() != 1) {
            diagnostics.error(ErrorCode.E015, p.span(), "'target' takes one target name");
            return Optional.empty();
        }
        return values.name(p.items().getFirst(), "a target name").flatMap(id -> {
            if (!scope.targets().containsKey(id.text())) {
                diagnostics.error(ErrorCode.E010, id.span(), "undefined target " + DiagnosticRenderer.quote(id.text())
                        + Suggest.hint(id.text(), scope.targets().keySet()),
                        "targets: " + Suggest.list(scope.targets().keySet()));
                return Optional.empty();
            }
            return Optional.of(id.text());
        });
    }

    private void checkWorkingSet(Shape shape, DType dtype, DType accumulate, Tiles tiles, TargetSpec target, Span at) {
        long budget = target.sharedMemoryBudget();
        if (budget <= 0 || tiles.span() == null) {
            return;
        }
        WorkingSet ws = WorkingSet.of(shape, dtype, accumulate, tiles);
        long bytes;
        try {
            bytes = ws.bytes();
        } catch (ArithmeticException e) {
            diagnostics.error(ErrorCode.E018, at, "the tile working set does not fit in 64 bits");
            return;
        }
        if (bytes > budget) {
            String what = target.kind() == TargetSpec.Kind.GPU
                    ? (target.sharedMemPerBlock() > 0 ? "shared memory per block" : "shared memory per SM")
                    : "L2 per core";
            diagnostics.error(ErrorCode.E030, at, "tile working set " + WorkingSet.human(bytes) + " exceeds the "
                            + WorkingSet.human(budget) + " of " + what + " on " + target.name(),
                    ws.explain(), "reduce tile q or kv, or stages");
        }
    }
}
