package io.attnkit.dsl.check;

import io.attnkit.dsl.model.HeadGroup;
import io.attnkit.dsl.model.HeadGroup.HeadMode;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.RouterSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.source.Diagnostics;
import io.attnkit.dsl.source.ErrorCode;
import io.attnkit.dsl.source.Span;
import io.attnkit.dsl.syntax.Decl.KernelDecl;
import io.attnkit.dsl.syntax.KernelStmt;
import io.attnkit.dsl.syntax.KernelStmt.HeadPattern;
import io.attnkit.dsl.syntax.KernelStmt.HeadSet;
import io.attnkit.dsl.syntax.Property.Word;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Checks a kernel's {@code heads} statements: every head gets exactly one pattern, ranges are
 * in bounds, routed groups hold whole KV heads (the router decides for a KV head's query heads
 * at once), and the routers and masks they name exist.
 */
final class HeadGroupResolver {
    private final Diagnostics diagnostics;
    /** A router name maps to its spec, or to empty when it exists but failed to check. */
    private final Map<String, Optional<RouterSpec>> routers;

    HeadGroupResolver(Diagnostics diagnostics, Map<String, Optional<RouterSpec>> routers) {
        this.diagnostics = diagnostics;
        this.routers = routers;
    }

    /** The head groups, or null after reporting overlaps, gaps or bad patterns. */
    List<HeadGroup> resolve(List<KernelStmt.HeadsStmt> statements, Shape shape, MaskResolver masks, KernelDecl decl) {
        if (shape == null) {
            for (KernelStmt.HeadsStmt stmt : statements) {
                switch (stmt.pattern()) {
                    case HeadPattern.Fixed f -> masks.resolve(f.mask());
                    case HeadPattern.Routed r -> {
                        routerOf(r);
                        masks.resolve(r.full());
                        masks.resolve(r.sparse());
                    }
                }
            }
            return null;
        }
        int heads = shape.heads();
        if (statements.isEmpty()) {
            List<Integer> all = new ArrayList<>();
            for (int h = 0; h < heads; h++) {
                all.add(h);
            }
            return List.of(new HeadGroup(all, new HeadMode.Fixed(new Mask.Dense(Span.NONE)), Span.NONE));
        }
        boolean ok = true;
        // E021 counts a head as assigned when some range's written bounds span it, even a range
        // reported as out of range (5..9 of 8 heads spans 5..7) or reversed (3..1 spans 1..3):
        // a head outside every written span is unassigned whatever the bad range meant, so the
        // report is never false. Only a bound that is not a whole number spans nothing we know,
        // and then any head may be its own: E021 waits for the fix.
        boolean everyRangeRead = true;
        Span[] owner = new Span[heads];
        BitSet spanned = new BitSet(heads);
        List<HeadGroup> groups = new ArrayList<>();
        for (KernelStmt.HeadsStmt stmt : statements) {
            Claim claim = members(stmt.heads(), heads, owner, spanned);
            everyRangeRead &= claim.everyRangeRead();
            List<Integer> members = claim.heads();
            Optional<HeadMode> mode = switch (stmt.pattern()) {
                case HeadPattern.Fixed f -> masks.resolve(f.mask()).map(HeadMode.Fixed::new);
                case HeadPattern.Routed r -> {
                    Optional<RouterSpec> router = routerOf(r);
                    Optional<Mask> full = masks.resolve(r.full());
                    Optional<Mask> sparse = masks.resolve(r.sparse());
                    if (members != null && !members.isEmpty()) {
                        Optional<Integer> split = splitGroup(members, shape);
                        if (split.isPresent()) {
                            int g = shape.groupSize();
                            int kv = split.get();
                            BitSet kvHeads = new BitSet();
                            members.forEach(h -> kvHeads.set(h / g));
                            diagnostics.error(ErrorCode.E024, stmt.heads().span(), "routed heads split KV head " + kv
                                            + ": its query heads are " + range(kv * g, kv * g + g - 1)
                                            + ", and the router decides for all of them at once",
                                    "with heads " + shape.heads() + " and kv_heads " + shape.kvHeads() + ", KV head k serves query heads "
                                            + g + "k to " + g + "k + " + (g - 1) + "; route whole groups, such as heads "
                                            + String.join(", ", ranges(h -> kvHeads.get(h / g), shape.heads())));
                            yield Optional.empty();
                        }
                    }
                    if (members != null && !members.isEmpty() && router.isPresent()) {
                        warnIfRatioRoundsAway(router.get(), r, members, shape);
                    }
                    yield router.isPresent() && full.isPresent() && sparse.isPresent()
                            ? Optional.of(new HeadMode.Routed(router.get(), full.get(), sparse.get())) : Optional.empty();
                }
            };
            if (members == null || mode.isEmpty()) {
                ok = false;
                continue;
            }
            if (!members.isEmpty()) {
                groups.add(new HeadGroup(members, mode.get(), stmt.span()));
            }
        }
        List<String> missing = ranges(h -> owner[h] == null && !spanned.get(h), heads);
        if (!missing.isEmpty() && everyRangeRead) {
            diagnostics.error(ErrorCode.E021, decl.name().span(), heads(missing, "is") + " not assigned a pattern (the kernel has "
                            + heads + " heads, 0.." + (heads - 1) + ")",
                    "every head needs a pattern: add, for example, 'heads " + missing.getFirst() + ": dense;' or use 'heads *'");
            ok = false;
        }
        return ok ? groups : null;
    }

    /**
     * A fixed ratio applies to each routed set on its own, rounded ({@code Routing.byRatio}): a set
     * of few KV heads can end up all sparse or all dense, which the ratio did not say.
     */
    private void warnIfRatioRoundsAway(RouterSpec router, HeadPattern.Routed pattern, List<Integer> members, Shape shape) {
        if (router.sparseRatio().isEmpty()) {
            return;
        }
        double ratio = router.sparseRatio().getAsDouble();
        long kvHeads = members.stream().map(shape::kvHeadOf).distinct().count();
        long sparse = Math.round(ratio * kvHeads);
        if (ratio > 0 && ratio < 1 && (sparse == 0 || sparse == kvHeads)) {
            String shown = BigDecimal.valueOf(ratio).stripTrailingZeros().toPlainString();
            diagnostics.warning(ErrorCode.W003, pattern.router().span(), "sparse_ratio " + shown + " of router "
                            + DiagnosticRenderer.quote(router.name()) + " rounds to " + sparse + " of the " + kvHeads
                            + " KV head" + (kvHeads == 1 ? "" : "s") + " this set covers: all of it runs the "
                            + (sparse == 0 ? "full" : "sparse") + " pattern",
                    "the ratio applies to each routed set on its own; route the heads in one statement to share it out");
        }
    }

    private Optional<RouterSpec> routerOf(HeadPattern pattern) {
        if (!(pattern instanceof HeadPattern.Routed r)) {
            return Optional.empty();
        }
        String name = r.router().text();
        if (!routers.containsKey(name)) {
            diagnostics.error(ErrorCode.E010, r.router().span(), "undefined router " + DiagnosticRenderer.quote(name)
                    + Suggest.hint(name, routers.keySet()));
            return Optional.empty();
        }
        return routers.get(name);
    }

    /** The first KV head whose query heads {@code members} holds only some of. */
    private static Optional<Integer> splitGroup(List<Integer> members, Shape shape) {
        int g = shape.groupSize();
        BitSet set = new BitSet();
        members.forEach(set::set);
        for (int h : members) {
            int first = (h / g) * g;
            for (int i = first; i < first + g; i++) {
                if (!set.get(i)) {
                    return Optional.of(h / g);
                }
            }
        }
        return Optional.empty();
    }

    private static String range(int first, int last) {
        return first == last ? String.valueOf(first) : first + ".." + last;
    }

    /** "head 8 is", "heads 8..11 are": {@code ranges} of heads with the verb agreeing. */
    private static String heads(List<String> ranges, String verb) {
        boolean one = ranges.size() == 1 && !ranges.getFirst().contains("..");
        return heads(ranges) + " " + (one ? verb : verb.equals("is") ? "are" : verb);
    }

    /** "head 8", "heads 8..11". */
    private static String heads(List<String> ranges) {
        boolean one = ranges.size() == 1 && !ranges.getFirst().contains("..");
        return (one ? "head " : "heads ") + String.join(", ", ranges);
    }

    /**
     * The heads a set names ({@code heads} null after reporting an error), and whether every
     * range in it could be read (overlaps still claim their other heads).
     */
    private record Claim(List<Integer> heads, boolean everyRangeRead) {
    }

    /**
     * Claims the heads {@code set} names in {@code owner}; marks in {@code spanned} the in-range
     * heads that its ranges reported as out of range or reversed still span.
     */
    private Claim members(HeadSet set, int heads, Span[] owner, BitSet spanned) {
        List<Integer> out = new ArrayList<>();
        boolean ok = true;
        boolean everyRangeRead = true;
        List<long[]> ranges = new ArrayList<>();
        List<Span> spans = new ArrayList<>();
        switch (set) {
            case HeadSet.All a -> {
                ranges.add(new long[] {0, heads - 1L});
                spans.add(a.span());
            }
            case HeadSet.Ranges r -> {
                for (HeadSet.Range range : r.ranges()) {
                    OptionalLong first = index(range.first(), range.span());
                    OptionalLong last = range.last().isPresent() ? index(range.last().get(), range.span()) : first;
                    if (first.isEmpty() || last.isEmpty()) {
                        ok = false;
                        everyRangeRead &= span(range.first(), range.last().orElse(range.first()), heads, spanned);
                        continue;
                    }
                    if (last.getAsLong() < first.getAsLong()) {
                        diagnostics.error(ErrorCode.E017, range.span(), "empty head range " + first.getAsLong() + ".."
                                + last.getAsLong(), "ranges are inclusive and ascending, such as 0..7");
                        ok = false;
                        span(range.first(), range.last().get(), heads, spanned);
                        continue;
                    }
                    if (last.getAsLong() >= heads) {
                        diagnostics.error(ErrorCode.E022, range.span(), "head " + last.getAsLong() + " is out of range: the kernel has "
                                + heads + " heads (0.." + (heads - 1) + ")");
                        ok = false;
                        span(range.first(), range.last().orElse(range.first()), heads, spanned);
                        continue;
                    }
                    ranges.add(new long[] {first.getAsLong(), last.getAsLong()});
                    spans.add(range.span());
                }
            }
        }
        for (int i = 0; i < ranges.size(); i++) {
            long[] r = ranges.get(i);
            BitSet clash = new BitSet();
            // Each earlier range the overlap hits gets its own note: the user may need to edit any of them.
            // Identity keys: all spans are equal (Span.equals) so models compare by structure.
            Map<Span, BitSet> hit = new IdentityHashMap<>();
            for (long h = r[0]; h <= r[1]; h++) {
                int head = (int) h;
                if (owner[head] != null) {
                    clash.set(head);
                    hit.computeIfAbsent(owner[head], k -> new BitSet()).set(head);
                } else {
                    owner[head] = spans.get(i);
                    out.add(head);
                }
            }
            if (!clash.isEmpty()) {
                String[] notes = hit.entrySet().stream()
                        .sorted(Comparator.comparingInt(e -> e.getValue().nextSetBit(0)))
                        .map(e -> heads(ranges(e.getValue()::get, heads)) + " first assigned at "
                                + e.getKey().location())
                        .toArray(String[]::new);
                diagnostics.error(ErrorCode.E020, spans.get(i), heads(ranges(clash::get, heads), "is")
                        + " already assigned", notes);
                ok = false;
            }
        }
        return new Claim(ok ? out.stream().sorted().toList() : null, everyRangeRead);
    }

    /**
     * Marks the in-range heads between two written bounds, in either order, in {@code spanned};
     * false when a bound is not a whole number, so what the range spans is unknown.
     */
    private static boolean span(String first, String last, int heads, BitSet spanned) {
        BigInteger[] bounds = new BigInteger[2];
        String[] literals = {first, last};
        for (int i = 0; i < 2; i++) {
            try {
                bounds[i] = new Word.Quantity(literals[i], "", Span.NONE).value().toBigIntegerExact();
            } catch (NumberFormatException | ArithmeticException e) {
                return false;
            }
        }
        BigInteger lo = bounds[0].min(bounds[1]).max(BigInteger.ZERO);
        BigInteger hi = bounds[0].max(bounds[1]).min(BigInteger.valueOf(heads - 1L));
        if (lo.compareTo(hi) <= 0) {
            spanned.set(lo.intValueExact(), hi.intValueExact() + 1);
        }
        return true;
    }

    private OptionalLong index(String literal, Span span) {
        try {
            BigDecimal v = new Word.Quantity(literal, "", span).value();
            if (v.signum() < 0) {
                diagnostics.error(ErrorCode.E022, span, "head " + literal + " is out of range: head indexes start at 0");
                return OptionalLong.empty();
            }
            if (v.stripTrailingZeros().scale() > 0) {
                diagnostics.error(ErrorCode.E015, span, "head index " + DiagnosticRenderer.quote(literal) + " is not a whole number");
                return OptionalLong.empty();
            }
            if (v.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0) {
                diagnostics.error(ErrorCode.E022, span, "head index " + DiagnosticRenderer.quote(literal) + " is out of range");
                return OptionalLong.empty();
            }
            return OptionalLong.of(v.longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            diagnostics.error(ErrorCode.E022, span, "head index " + DiagnosticRenderer.quote(literal) + " is out of range");
            return OptionalLong.empty();
        }
    }

    /** Compresses the heads satisfying {@code in} into range strings: "8..15", "20". */
    static List<String> ranges(Function<Integer, Boolean> in, int heads) {
        List<String> out = new ArrayList<>();
        int h = 0;
        while (h < heads) {
            if (!in.apply(h)) {
                h++;
                continue;
            }
            int start = h;
            while (h + 1 < heads && in.apply(h + 1)) {
                h++;
            }
            out.add(start == h ? String.valueOf(start) : start + ".." + h);
            h++;
        }
        return out;
    }
}
