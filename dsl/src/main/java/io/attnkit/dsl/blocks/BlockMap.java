package io.attnkit.dsl.blocks;

import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which K/V tiles each query tile visits, with FlexAttention's semantics: per (batch, head,
 * q-block), the kv-blocks holding at least one visible key, each FULL (every key visible to
 * every row of the q-block: no element mask needed) or PARTIAL (the element mask decides).
 * Blocks with nothing visible are skipped.
 *
 * <p>This is the contract between kernels and the simulator: a kernel loads exactly these tiles
 * and the simulator charges exactly these tiles. Heads (and batch elements) computing the same
 * mask share one {@link Pattern}. Ragged tails are blocks shorter than the tile.
 */
public final class BlockMap {
    public enum Kind { FULL, PARTIAL }

    private final Shape shape;
    private final int qTile;
    private final int kvTile;
    private final int[] patternOf; // [batch * heads + head]
    private final List<Pattern> patterns;
    private final boolean batchIndependent;

    private BlockMap(Shape shape, int qTile, int kvTile, int[] patternOf, List<Pattern> patterns, boolean batchIndependent) {
        this.shape = shape;
        this.qTile = qTile;
        this.kvTile = kvTile;
        this.patternOf = patternOf;
        this.patterns = List.copyOf(patterns);
        this.batchIndependent = batchIndependent;
    }

    /** The block map of a kernel whose masks do not depend on the data, at the kernel's tiles. */
    public static BlockMap of(KernelSpec kernel) {
        return of(HeadMasks.of(kernel), Selection.NONE, kernel.tiles().q(), kernel.tiles().kv());
    }

    /** The block map at the given tile sizes, for masks decided on an input. */
    public static BlockMap of(HeadMasks masks, Selection selection, int qTile, int kvTile) {
        if (qTile < 1 || kvTile < 1) {
            throw new IllegalArgumentException("tile sizes must be positive");
        }
        Shape shape = masks.kernel().shape();
        boolean independent = masks.isStatic();
        int batches = independent ? 1 : shape.batch();
        int[] patternOf = new int[shape.batch() * shape.heads()];
        List<Pattern> patterns = new ArrayList<>();
        Map<Mask, Integer> byMask = new HashMap<>();
        for (int b = 0; b < batches; b++) {
            for (int h = 0; h < shape.heads(); h++) {
                Mask mask = masks.maskOf(b, h);
                int index;
                if (mask.isStatic()) {
                    Integer known = byMask.get(mask);
                    if (known == null) {
                        known = patterns.size();
                        patterns.add(Pattern.build(mask, shape, selection, b, h, qTile, kvTile));
                        byMask.put(mask, known);
                    }
                    index = known;
                } else {
                    index = patterns.size();
                    patterns.add(Pattern.build(mask, shape, selection, b, h, qTile, kvTile));
                }
                patternOf[b * shape.heads() + h] = index;
            }
        }
        if (independent) {
            for (int b = 1; b < shape.batch(); b++) {
                System.arraycopy(patternOf, 0, patternOf, b * shape.heads(), shape.heads());
            }
        }
        return new BlockMap(shape, qTile, kvTile, patternOf, patterns, independent);
    }

    /** A map put together from its parts (see {@link GroupPacking}). */
    static BlockMap assemble(Shape shape, int qTile, int kvTile, int[] patternOf, List<Pattern> patterns, boolean batchIndependent) {
        return new BlockMap(shape, qTile, kvTile, patternOf, patterns, batchIndependent);
    }

    /**
     * The same attention with the query heads of every KV head packed into the rows of one head,
     * as FlashAttention-2's decode path and FlashAttention-3's PackGQA run grouped heads: one CTA
     * reads each K/V tile for the whole group. See {@link GroupPacking}.
     *
     * @throws IllegalArgumentException when the heads are not grouped or the packed rows exceed 2^31 - 1
     */
    public BlockMap packGroups() {
        return GroupPacking.pack(this);
    }

    public Shape shape() {
        return shape;
    }

    public int qTile() {
        return qTile;
    }

    public int kvTile() {
        return kvTile;
    }

    public int qBlocks() {
        return (int) ((shape.qLen() + (long) qTile - 1) / qTile);
    }

    public int kvBlocks() {
        return (int) ((shape.kvLen() + (long) kvTile - 1) / kvTile);
    }

    /** True when every batch element has the same map (no data-dependent selection or routing). */
    public boolean isBatchIndependent() {
        return batchIndependent;
    }

    public List<Pattern> patterns() {
        return patterns;
    }

    public int patternIndex(int batch, int head) {
        return patternOf[batch * shape.heads() + head];
    }

    public Pattern pattern(int batch, int head) {
        return patterns.get(patternIndex(batch, head));
    }

    /** The heads of batch element 0 that use pattern {@code index}. */
    public List<Integer> headsOf(int index) {
        List<Integer> out = new ArrayList<>();
        for (int h = 0; h < shape.heads(); h++) {
            if (patternOf[h] == index) {
                out.add(h);
            }
        }
        return out;
    }

    /** K/V tiles visited by the whole launch: every batch element and head. */
    public long visitedTiles() {
        long n = 0;
        for (int p : patternOf) {
            n += patterns.get(p).visitedTiles();
        }
        return n;
    }

    public long fullTiles() {
        long n = 0;
        for (int p : patternOf) {
            n += patterns.get(p).fullTiles();
        }
        return n;
    }

    public long partialTiles() {
        return visitedTiles() - fullTiles();
    }

    /** Visible (query, key) pairs over the whole launch. */
    public long visibleElements() {
        long n = 0;
        for (int p : patternOf) {
            n += patterns.get(p).visibleElements();
        }
        return n;
    }

    /** Fraction of all (query, key) pairs that are visible. */
    public double elementDensity() {
        return visibleElements() / ((double) shape.qLen() * shape.kvLen() * patternOf.length);
    }

    /** Fraction of all tiles that are visited. */
    public double tileDensity() {
        return visitedTiles() / ((double) qBlocks() * kvBlocks() * patternOf.length);
    }

    /**
     * The tiles one (batch, head) visits: per q-block, runs of consecutive kv-blocks of one
     * kind, in ascending order.
     */
    public static final class Pattern {
        private final Mask mask;
        private final int qBlocks;
        private final int kvBlocks;
        private final int[] rowStart; // qBlocks + 1 offsets into the run arrays
        private final int[] runFrom;
        private final int[] runTo;
        private final boolean[] runFull;
        private final long visited;
        private final long full;
        private final long visibleElements;

        Pattern(Mask mask, int qBlocks, int kvBlocks, int[] rowStart, int[] runFrom, int[] runTo,
                boolean[] runFull, long visibleElements) {
            this.mask = mask;
            this.qBlocks = qBlocks;
            this.kvBlocks = kvBlocks;
            this.rowStart = rowStart;
            this.runFrom = runFrom;
            this.runTo = runTo;
            this.runFull = runFull;
            long v = 0;
            long f = 0;
            for (int r = 0; r < runFrom.length; r++) {
                int n = runTo[r] - runFrom[r];
                v += n;
                if (runFull[r]) {
                    f += n;
                }
            }
            this.visited = v;
            this.full = f;
            this.visibleElements = visibleElements;
        }

        static Pattern build(Mask mask, Shape shape, Selection selection, int batch, int head, int qTile, int kvTile) {
            int qLen = shape.qLen();
            int kvLen = shape.kvLen();
            int qBlocks = (int) ((qLen + (long) qTile - 1) / qTile);
            int kvBlocks = (int) ((kvLen + (long) kvTile - 1) / kvTile);
            RunBuffer runs = new RunBuffer();
            int[] rowStart = new int[qBlocks + 1];
            long elements = 0;
            for (int qb = 0; qb < qBlocks; qb++) {
                rowStart[qb] = runs.size;
                runs.rowFirst = runs.size;
                int first = qb * qTile;
                int last = (int) Math.min((long) first + qTile, qLen);
                IntervalSet union = IntervalSet.EMPTY;
                IntervalSet inter = null;
                for (int i = first; i < last; i++) {
                    IntervalSet v = RowMasks.visible(mask, shape, selection, batch, head, i);
                    elements += v.size();
                    union = union.union(v);
                    inter = inter == null ? v : inter.intersect(v);
                }
                IntervalSet touched = blocksTouching(union, kvTile, kvBlocks);
                IntervalSet covered = blocksCoveredBy(inter, kvTile, kvLen);
                for (int k = 0; k < touched.intervals(); k++) {
                    int s = touched.start(k);
                    int e = touched.end(k);
                    // Split [s, e) into runs of FULL and PARTIAL blocks.
                    int cursor = s;
                    for (int c = 0; c < covered.intervals() && cursor < e; c++) {
                        int cs = Math.max(covered.start(c), cursor);
                        int ce = Math.min(covered.end(c), e);
                        if (ce <= cs) {
                            continue;
                        }
                        runs.add(cursor, cs, false);
                        runs.add(cs, ce, true);
                        cursor = ce;
                    }
                    runs.add(cursor, e, false);
                }
            }
            rowStart[qBlocks] = runs.size;
            return new Pattern(mask, qBlocks, kvBlocks, rowStart, runs.from(), runs.to(), runs.full(), elements);
        }

        /** kv-blocks that hold at least one key of {@code keys}. */
        private static IntervalSet blocksTouching(IntervalSet keys, int kvTile, int kvBlocks) {
            IntervalSet out = IntervalSet.EMPTY;
            for (int k = 0; k < keys.intervals(); k++) {
                int s = keys.start(k) / kvTile;
                int e = Math.min(kvBlocks, (keys.end(k) - 1) / kvTile + 1);
                out = out.union(IntervalSet.of(s, e));
            }
            return out;
        }

        /** kv-blocks all of whose keys (a ragged last block included) are in {@code keys}. */
        private static IntervalSet blocksCoveredBy(IntervalSet keys, int kvTile, int kvLen) {
            if (keys == null) {
                return IntervalSet.EMPTY;
            }
            IntervalSet out = IntervalSet.EMPTY;
            for (int k = 0; k < keys.intervals(); k++) {
                // In long: a key within a tile of 2^31 - 1 would wrap the sum negative.
                int s = (int) ((keys.start(k) + (long) kvTile - 1) / kvTile);
                int e = keys.end(k) >= kvLen ? (int) ((kvLen + (long) kvTile - 1) / kvTile) : keys.end(k) / kvTile;
                out = out.union(IntervalSet.of(s, e));
            }
            return out;
        }

        /** The mask this pattern computes. */
        public Mask mask() {
            return mask;
        }

        public int qBlocks() {
            return qBlocks;
        }

        public int kvBlocks() {
            return kvBlocks;
        }

        /** Number of runs in q-block {@code qBlock}. */
        public int runs(int qBlock) {
            return rowStart[qBlock + 1] - rowStart[qBlock];
        }

        /** First kv-block of run {@code run} of q-block {@code qBlock}. */
        public int runFrom(int qBlock, int run) {
            return runFrom[rowStart[qBlock] + run];
        }

        /** One past the last kv-block of the run. */
        public int runTo(int qBlock, int run) {
            return runTo[rowStart[qBlock] + run];
        }

        public Kind runKind(int qBlock, int run) {
            return runFull[rowStart[qBlock] + run] ? Kind.FULL : Kind.PARTIAL;
        }

        /** The kind of tile (qBlock, kvBlock), or null when it is skipped. */
        public Kind kindOf(int qBlock, int kvBlock) {
            for (int r = rowStart[qBlock]; r < rowStart[qBlock + 1]; r++) {
                if (kvBlock >= runFrom[r] && kvBlock < runTo[r]) {
                    return runFull[r] ? Kind.FULL : Kind.PARTIAL;
                }
            }
            return null;
        }

        /** Tiles visited by q-block {@code qBlock}. */
        public int visitedTiles(int qBlock) {
            int n = 0;
            for (int r = rowStart[qBlock]; r < rowStart[qBlock + 1]; r++) {
                n += runTo[r] - runFrom[r];
            }
            return n;
        }

        /** Calls {@code visitor} for each visited tile of {@code qBlock}, in ascending kv order. */
        public void forEachTile(int qBlock, TileVisitor visitor) {
            for (int r = rowStart[qBlock]; r < rowStart[qBlock + 1]; r++) {
                Kind kind = runFull[r] ? Kind.FULL : Kind.PARTIAL;
                for (int kb = runFrom[r]; kb < runTo[r]; kb++) {
                    visitor.visit(kb, kind);
                }
            }
        }

        public long visitedTiles() {
            return visited;
        }

        public long fullTiles() {
            return full;
        }

        public long partialTiles() {
            return visited - full;
        }

        public long visibleElements() {
            return visibleElements;
        }

        public double tileDensity() {
            return visited / ((double) qBlocks * kvBlocks);
        }
    }

    /** Receives the visited tiles of a q-block. */
    @FunctionalInterface
    public interface TileVisitor {
        void visit(int kvBlock, Kind kind);
    }

    /** A growable list of runs, merging a run into the previous one when they join with the same kind. */
    static final class RunBuffer {
        int[] from = new int[64];
        int[] to = new int[64];
        boolean[] full = new boolean[64];
        int size;
        int rowFirst;

        void add(int s, int e, boolean isFull) {
            if (e <= s) {
                return;
            }
            if (size > 0 && to[size - 1] == s && full[size - 1] == isFull && size > rowFirst) {
                to[size - 1] = e;
                return;
            }
            if (size == from.length) {
                from = java.util.Arrays.copyOf(from, size * 2);
                to = java.util.Arrays.copyOf(to, size * 2);
                full = java.util.Arrays.copyOf(full, size * 2);
            }
            from[size] = s;
            to[size] = e;
            full[size] = isFull;
            size++;
        }

        int[] from() {
            return java.util.Arrays.copyOf(from, size);
        }

        int[] to() {
            return java.util.Arrays.copyOf(to, size);
        }

        boolean[] full() {
            return java.util.Arrays.copyOf(full, size);
        }
    }
}
