package io.attnkit.codegen.java;

import io.attnkit.dsl.blocks.BlockMap;

/**
 * The tile schedule of one pattern in the flat form generated kernels walk: {@code
 * table[qb] .. table[qb + 1]} are the runs of q-block {@code qb}; run {@code r} is at {@code
 * qBlocks + 1 + 3r} as {@code from, to, full} (kv-blocks {@code [from, to)}, {@code full} 1 for
 * FULL tiles and 0 for PARTIAL ones).
 */
public final class RunTable {
    private RunTable() {
    }

    /** The flat table of {@code pattern}. */
    public static int[] of(BlockMap.Pattern pattern) {
        int qBlocks = pattern.qBlocks();
        int runs = 0;
        for (int qb = 0; qb < qBlocks; qb++) {
            runs += pattern.runs(qb);
        }
        int[] table = new int[qBlocks + 1 + 3 * runs];
        int r = 0;
        for (int qb = 0; qb < qBlocks; qb++) {
            table[qb] = r;
            for (int k = 0; k < pattern.runs(qb); k++, r++) {
                int at = qBlocks + 1 + 3 * r;
                table[at] = pattern.runFrom(qb, k);
                table[at + 1] = pattern.runTo(qb, k);
                table[at + 2] = pattern.runKind(qb, k) == BlockMap.Kind.FULL ? 1 : 0;
            }
        }
        table[qBlocks] = r;
        return table;
    }

    /** Number of K/V tiles a table visits. */
    public static long visitedTiles(int[] table, int qBlocks) {
        long n = 0;
        for (int r = 0; r < table[qBlocks]; r++) {
            int at = qBlocks + 1 + 3 * r;
            n += table[at + 1] - table[at];
        }
        return n;
    }
}
