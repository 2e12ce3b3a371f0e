package io.attnkit.codegen.testing;

import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.Unparser;
import io.attnkit.dsl.model.HeadGroup;
import io.attnkit.dsl.model.HeadGroup.HeadMode;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Program;
import io.attnkit.dsl.model.RouterSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.Tiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Smaller variants of a kernel for tests: the same heads, groups, routers, dtype and mask
 * structure at lengths a test can afford, with tiles and every mask parameter (windows, sinks,
 * prefixes, documents, selector blocks) scaled with the lengths, so that the block maps keep
 * their FULL, PARTIAL and skipped tiles. Each variant stresses one thing: ragged tails,
 * {@code q_len < kv_len}, {@code q_len > kv_len} (rows that see nothing under causal masks),
 * grouped-query attention, several batch elements; decode kernels get a few queries and a cache
 * shorter than a tile instead. Every variant is checked by the front end;
 * one that does not check is left out.
 */
public final class ShapeShrinker {
    /** Largest tile side of a variant. */
    static final int MAX_TILE = 32;
    /** Head dimension of variants (when the kernel's is larger and no trained router pins it). */
    static final int HEAD_DIM = 16;

    private ShapeShrinker() {
    }

    /** A smaller kernel and what it is for. */
    public record Variant(String name, String purpose, KernelSpec kernel) {
    }

    public static List<Variant> variants(KernelSpec kernel) {
        Tiles t = kernel.tiles();
        double tileScale = Math.min(1.0, (double) MAX_TILE / Math.max(t.q(), t.kv()));
        int qTile = Math.max(4, (int) Math.round(t.q() * tileScale));
        int kvTile = Math.max(4, (int) Math.round(t.kv() * tileScale));
        Tiles tiles = new Tiles(qTile, kvTile, t.stages(), t.warps(), t.span());
        Shape s = kernel.shape();
        int kvLen = Math.min(s.kvLen(), 7 * kvTile + 3);
        boolean decode = s.qLen() < t.q() && s.qLen() < s.kvLen();
        int qLen = decode ? Math.min(s.qLen(), kvLen) : kvLen;
        int batch = Math.min(s.batch(), 2);

        List<Variant> out = new ArrayList<>();
        add(out, "ragged", "lengths that are not multiples of the tiles",
                kernel, batch, s.heads(), s.kvHeads(), qLen, kvLen, tiles);
        if (decode) {
            add(out, "few_queries", "a handful of queries against the cache (speculative decoding)",
                    kernel, batch, s.heads(), s.kvHeads(), Math.min(5, kvLen), kvLen, tiles);
            // Shorter than a tile whatever the queries: a decode of 40 queries with 16-key tiles once
            // got a 40-key "short" cache, two and a half tiles long.
            int shortCache = Math.max(1, kvTile - 3);
            add(out, "short_cache", "a cache shorter than one K/V tile",
                    kernel, batch, s.heads(), s.kvHeads(), Math.min(s.qLen(), shortCache), shortCache, tiles);
        } else {
            add(out, "q_shorter", "fewer queries than keys, aligned to the end of the keys (chunked prefill)",
                    kernel, batch, s.heads(), s.kvHeads(), Math.max(1, kvLen / 3 + 1), kvLen, tiles);
            add(out, "q_longer", "more queries than keys: under causal masks the first rows see nothing and give zeros",
                    kernel, batch, s.heads(), s.kvHeads(), kvLen + 2 * qTile + 1, kvLen, tiles);
        }
        if (s.kvHeads() == s.heads() && s.heads() % 2 == 0) {
            add(out, "gqa", "two query heads per K/V head", kernel, batch, s.heads(), s.heads() / 2, qLen, kvLen, tiles);
        }
        if (s.batch() == 1) {
            add(out, "batch2", "two batch elements", kernel, 2, s.heads(), s.kvHeads(), qLen, kvLen, tiles);
        }
        return out;
    }

    private static void add(List<Variant> out, String name, String purpose, KernelSpec k, int batch, int heads, int kvHeads,
                            int qLen, int kvLen, Tiles tiles) {
        Shape s = k.shape();
        boolean pinnedDim = k.groups().stream().anyMatch(g -> g.mode() instanceof HeadMode.Routed r && r.router().weights().isPresent());
        int headDim = pinnedDim ? s.headDim() : Math.min(s.headDim(), HEAD_DIM);
        int vDim = pinnedDim ? s.vDim() : Math.max(1, (int) Math.round((double) s.vDim() * headDim / s.headDim()));
        Shape shape = new Shape(batch, heads, kvHeads, qLen, kvLen, headDim, vDim, s.span());
        Scaler scaler = new Scaler(s.kvLen(), kvLen, tiles.q(), tiles.kv());
        double scale = k.scale() == KernelSpec.defaultScale(s.headDim()) ? KernelSpec.defaultScale(headDim) : k.scale();
        List<HeadGroup> groups = new ArrayList<>();
        for (HeadGroup g : k.groups()) {
            HeadMode mode = switch (g.mode()) {
                case HeadMode.Fixed f -> new HeadMode.Fixed(scaler.mask(f.mask()));
                case HeadMode.Routed r -> new HeadMode.Routed(r.router(), scaler.mask(r.full()), scaler.mask(r.sparse()));
            };
            groups.add(new HeadGroup(g.heads(), mode, g.span()));
        }
        KernelSpec variant;
        try {
            variant = new KernelSpec(k.name() + "_" + name, shape, k.dtype(), k.accumulate(), scale, tiles, Optional.empty(),
                    scaler.mask(k.mask()), groups, k.span());
        } catch (IllegalArgumentException e) {
            return;
        }
        if (checks(variant)) {
            out.add(new Variant(name, purpose, variant));
        }
    }

    /** A kernel as {@code .attn} text, with the routers it uses, which checks back to an equal kernel. */
    public static String source(KernelSpec kernel) {
        List<RouterSpec> routers = kernel.groups().stream().map(HeadGroup::mode)
                .flatMap(m -> m instanceof HeadMode.Routed r ? java.util.stream.Stream.of(r.router()) : java.util.stream.Stream.empty())
                .distinct().toList();
        return Unparser.print(new Program(List.of(kernel), List.of(), routers));
    }

    /** True when the variant passes every check of the front end (a routed group split by GQA, for instance, does not). */
    static boolean checks(KernelSpec variant) {
        Frontend.Result r = Frontend.checkText(variant.name() + ".attn", source(variant), Frontend.Library.EMPTY);
        return r.ok() && r.kernelsOfRoot().size() == 1;
    }

    /** Scales mask parameters from {@code kvLen} keys to {@code newKvLen}, keeping each at least as large as makes sense at the tiles. */
    private record Scaler(int kvLen, int newKvLen, int qTile, int kvTile) {
        int scaled(long x) {
            return (int) Math.round((double) x * newKvLen / kvLen);
        }

        /** A span of keys (a window, a prefix) long enough for FULL tiles inside and PARTIAL ones at its edges. */
        int span(long x) {
            if (x >= kvLen) {
                return newKvLen;
            }
            int lo = Math.min(newKvLen, qTile + 2 * kvTile + 1);
            // Leave a K/V tile out where the keys allow it, but never go below the floor: a cache
            // shorter than a tile (short_cache) once capped every window at 1 key.
            int hi = Math.max(lo, newKvLen - kvTile);
            return Math.max(1, Math.min(Math.max(scaled(x), lo), hi));
        }

        /** A small count (sinks) that should stay small. */
        int count(long x) {
            return Math.max(1, Math.min(scaled(x), newKvLen));
        }

        Mask mask(Mask m) {
            return switch (m) {
                case Mask.Dense d -> d;
                case Mask.Causal c -> c;
                case Mask.Window w -> new Mask.Window(span(w.size()), w.span());
                case Mask.Sink x -> new Mask.Sink(count(x.count()), x.span());
                case Mask.Prefix p -> new Mask.Prefix(span(p.length()), p.span());
                case Mask.Document d -> new Mask.Document(documents(d.lengths()), d.span());
                case Mask.And a -> new Mask.And(a.operands().stream().map(this::mask).toList(), a.span());
                case Mask.Or o -> new Mask.Or(o.operands().stream().map(this::mask).toList(), o.span());
                case Mask.Not n -> new Mask.Not(mask(n.operand()), n.span());
                case Mask.TopKBlocks t -> {
                    int block = Math.min(newKvLen, Math.max(kvTile, scaled(t.block())));
                    yield new Mask.TopKBlocks(block, keep(t.k(), t.block(), block, 2), t.span());
                }
                case Mask.XAttention x -> {
                    int stride = Math.max(1, Math.min(x.stride(), kvTile / 4));
                    int block = Math.max(stride, Math.max(kvTile, scaled(x.block())) / stride * stride);
                    yield new Mask.XAttention(Math.min(block, newKvLen / stride * stride), stride, x.threshold(), x.span());
                }
                case Mask.Nsa n -> {
                    int select = Math.max(kvTile / 2, 2);
                    int stride = Math.max(1, select * n.stride() / n.selectBlock());
                    select = select / stride * stride;
                    int compress = Math.max(stride, n.compress() * stride / n.stride() / stride * stride);
                    yield new Mask.Nsa(compress, stride, select, keep(n.selectCount(), n.selectBlock(), select, 3),
                            n.window() == 0 ? 0 : Math.min(newKvLen, Math.max(kvTile / 2, scaled(n.window()))), n.span());
                }
            };
        }

        /**
         * How many of the variant's blocks of {@code newBlock} keys a selector keeps when the kernel
         * keeps {@code kept} of its blocks of {@code block}: the same fraction, at least {@code min},
         * and fewer than all, so that something is left out.
         */
        int keep(int kept, int block, int newBlock, int min) {
            int blocks = (int) ((kvLen + (long) block - 1) / block);
            int newBlocks = (newKvLen + newBlock - 1) / newBlock;
            int k = (int) Math.round((double) kept * newBlocks / blocks);
            return Math.max(1, Math.min(Math.max(k, min), newBlocks - 1));
        }

        /** Document lengths scaled to sum to {@code newKvLen}, each at least 1, merging the smallest when there are too many. */
        List<Integer> documents(List<Integer> lengths) {
            List<Integer> out = new ArrayList<>();
            long done = 0;
            int placed = 0;
            for (int i = 0; i < lengths.size(); i++) {
                done += lengths.get(i);
                int end = i == lengths.size() - 1 ? newKvLen : scaled(done);
                if (end > placed && end <= newKvLen) {
                    out.add(end - placed);
                    placed = end;
                }
            }
            if (placed < newKvLen) {
                out.add(newKvLen - placed);
            }
            return out;
        }
    }
}
