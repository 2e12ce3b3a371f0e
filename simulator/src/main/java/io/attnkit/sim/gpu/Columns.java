package io.attnkit.sim.gpu;

import io.attnkit.dsl.blocks.BlockMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * A block-map pattern read by columns, for the kernels whose outer loop runs over K/V blocks
 * (FlashAttention-1's forward, both backward passes): for each K/V block, the runs of q-blocks
 * that visit it, and for each q-block the first and last K/V block it visits. Built in one
 * pass over the visited tiles; stored as runs, so a causal pattern costs a few integers per
 * column whatever the length.
 */
final class Columns {
    private final int[][] runs; // per column: from, to, full (1 or 0), repeated
    private final int[] first;
    private final int[] last;

    private Columns(int[][] runs, int[] first, int[] last) {
        this.runs = runs;
        this.first = first;
        this.last = last;
    }

    /** One piece of a column: {@code count} consecutive q-blocks from {@code from}, of one kind and one key. */
    record Piece(int from, int count, boolean full, int key) {
    }

    static Columns of(BlockMap.Pattern p) {
        int qBlocks = p.qBlocks();
        int kvBlocks = p.kvBlocks();
        int[] first = new int[qBlocks];
        int[] last = new int[qBlocks];
        Arrays.fill(first, -1);
        Arrays.fill(last, -1);
        int[] openFrom = new int[kvBlocks];
        int[] openTo = new int[kvBlocks];
        boolean[] openFull = new boolean[kvBlocks];
        Arrays.fill(openFrom, -1);
        int[][] closed = new int[kvBlocks][];
        int[] closedLength = new int[kvBlocks];
        for (int qb = 0; qb < qBlocks; qb++) {
            for (int r = 0; r < p.runs(qb); r++) {
                boolean full = p.runKind(qb, r) == BlockMap.Kind.FULL;
                for (int kb = p.runFrom(qb, r); kb < p.runTo(qb, r); kb++) {
                    if (openFrom[kb] >= 0 && openTo[kb] == qb && openFull[kb] == full) {
                        openTo[kb] = qb + 1;
                        continue;
                    }
                    if (openFrom[kb] >= 0) {
                        closedLength[kb] = append(closed, closedLength[kb], kb, openFrom[kb], openTo[kb], openFull[kb]);
                    }
                    openFrom[kb] = qb;
                    openTo[kb] = qb + 1;
                    openFull[kb] = full;
                }
                if (first[qb] < 0) {
                    first[qb] = p.runFrom(qb, r);
                }
                last[qb] = p.runTo(qb, r) - 1;
            }
        }
        int[][] runs = new int[kvBlocks][];
        for (int kb = 0; kb < kvBlocks; kb++) {
            if (openFrom[kb] >= 0) {
                closedLength[kb] = append(closed, closedLength[kb], kb, openFrom[kb], openTo[kb], openFull[kb]);
            }
            runs[kb] = closed[kb] == null ? new int[0] : Arrays.copyOf(closed[kb], closedLength[kb]);
        }
        return new Columns(runs, first, last);
    }

    private static int append(int[][] closed, int length, int kb, int from, int to, boolean full) {
        if (closed[kb] == null) {
            closed[kb] = new int[6];
        } else if (length + 3 > closed[kb].length) {
            closed[kb] = Arrays.copyOf(closed[kb], closed[kb].length * 2);
        }
        closed[kb][length] = from;
        closed[kb][length + 1] = to;
        closed[kb][length + 2] = full ? 1 : 0;
        return length + 3;
    }

    /** q-blocks that visit K/V block {@code kb}. */
    long tiles(int kb) {
        long n = 0;
        int[] r = runs[kb];
        for (int i = 0; i < r.length; i += 3) {
            n += r[i + 1] - r[i];
        }
        return n;
    }

    /** The first K/V block q-block {@code qb} visits, -1 when it sees no key. */
    int first(int qb) {
        return first[qb];
    }

    /** The last K/V block q-block {@code qb} visits, -1 when it sees no key. */
    int last(int qb) {
        return last[qb];
    }

    /**
     * The q-blocks visiting K/V block {@code kb} in ascending order, cut into pieces of
     * consecutive q-blocks of the same kind (FULL, PARTIAL) and the same {@code key}: a piece
     * is a segment of equal steps.
     */
    List<Piece> pieces(int kb, IntUnaryOperator key) {
        List<Piece> out = new ArrayList<>();
        int[] r = runs[kb];
        for (int i = 0; i < r.length; i += 3) {
            boolean full = r[i + 2] == 1;
            int from = r[i];
            while (from < r[i + 1]) {
                int k = key.applyAsInt(from);
                int to = from + 1;
                while (to < r[i + 1] && key.applyAsInt(to) == k) {
                    to++;
                }
                out.add(new Piece(from, to - from, full, k));
                from = to;
            }
        }
        return out;
    }
}
