package io.attnkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.blocks.HeadMasks;
import io.attnkit.dsl.blocks.IntervalSet;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Synthetic selections have exactly the structure their selector defines, and are a function of the seed. */
class SyntheticSelectionTest {
    private static KernelSpec kernel(String shape, String mask) {
        return Fixtures.kernel("kernel k { shape " + shape + "; dtype bf16, accumulate f32; tile q 64, kv 64, stages 2; mask "
                + mask + "; }");
    }

    /** The selector of a {@code causal & selector} kernel. */
    private static Mask selector(KernelSpec k) {
        return ((Mask.And) HeadMasks.of(k).maskOf(0, 0)).operands().get(1);
    }

    /** The blocks of {@code size} keys a set of keys covers, each wholly. */
    private static List<Integer> wholeBlocks(IntervalSet keys, int size, int kvLen) {
        List<Integer> out = new ArrayList<>();
        for (int j = 0; (long) j * size < kvLen; j++) {
            long end = Math.min((long) (j + 1) * size, kvLen);
            if (keys.intersect(IntervalSet.of((long) j * size, end)).size() == end - (long) j * size) {
                out.add(j);
            }
        }
        return out;
    }

    @Test
    void mobaKeepsKBlocksPerRowWithItsCurrentBlockAndNothingAfterIt() {
        KernelSpec k = kernel("batch 2, heads 4, kv_heads 2, q_len 3001, head_dim 64", "causal & topk_blocks(block 128, k 5)");
        Shape s = k.shape();
        Mask sel = selector(k);
        SyntheticSelection a = new SyntheticSelection(s, 7, 64);
        Random rows = new Random(3);
        for (int t = 0; t < 400; t++) {
            int b = rows.nextInt(2);
            int h = rows.nextInt(4);
            int row = rows.nextInt(s.qLen());
            long p = s.positionOfRow(row);
            int current = (int) (p / 128);
            IntervalSet v = a.visible(sel, b, h, row);
            List<Integer> blocks = wholeBlocks(v, 128, s.kvLen());
            assertEquals(Math.min(5, current + 1), blocks.size(), "row " + row);
            assertTrue(blocks.contains(current));
            assertTrue(blocks.stream().allMatch(j -> j <= current));
            assertEquals(blocks.stream().mapToLong(j -> Math.min(128L * (j + 1), s.kvLen()) - 128L * j).sum(), v.size(),
                    "whole blocks only");
            assertEquals(v, new SyntheticSelection(s, 7, 64).visible(sel, b, h, row), "a function of the seed");
        }
        BlockMap m7 = BlockMap.of(HeadMasks.of(k), new SyntheticSelection(s, 7, 64), 64, 64);
        BlockMap again = BlockMap.of(HeadMasks.of(k), new SyntheticSelection(s, 7, 64), 64, 64);
        BlockMap m8 = BlockMap.of(HeadMasks.of(k), new SyntheticSelection(s, 8, 64), 64, 64);
        assertEquals(m7.visitedTiles(), again.visitedTiles());
        assertEquals(m7.visibleElements(), again.visibleElements());
        boolean differs = false;
        for (int qb = 0; qb < m7.qBlocks() && !differs; qb++) {
            differs = m7.pattern(1, 3).runs(qb) != m8.pattern(1, 3).runs(qb)
                    || m7.pattern(1, 3).runFrom(qb, 0) != m8.pattern(1, 3).runFrom(qb, 0);
        }
        assertTrue(differs, "another seed draws other blocks");
    }

    @Test
    void nsaKeepsCountBlocksWithTheForcedOnesAndItsWindowSharedByTheGroup() {
        KernelSpec k = kernel("batch 1, heads 8, kv_heads 2, q_len 2500, head_dim 64",
                "causal & nsa(compress 32, stride 16, select 64, count 6, window 100)");
        Shape s = k.shape();
        Mask sel = selector(k);
        SyntheticSelection a = new SyntheticSelection(s, 1, 64);
        for (int row = 0; row < s.qLen(); row += 37) {
            long p = s.positionOfRow(row);
            int current = (int) (p / 64);
            IntervalSet v = a.visible(sel, 0, 1, row);
            IntervalSet window = IntervalSet.of(Math.max(0, p - 99), p + 1);
            assertEquals(window, v.intersect(window), "the window is admitted");
            List<Integer> blocks = wholeBlocks(v, 64, s.kvLen());
            assertTrue(blocks.contains(current) && blocks.contains(0) && (current == 0 || blocks.contains(current - 1)),
                    "current, first and previous blocks at row " + row);
            assertTrue(blocks.size() >= Math.min(6, current + 1), "at least count blocks");
            assertEquals(v, a.visible(sel, 0, 3, row), "heads 0..3 share KV head 0");
        }
    }

    @Test
    void nsaKeepsExactlyCountBlocksWhenTheWindowIsSmall() {
        KernelSpec k = kernel("batch 1, heads 2, q_len 4000, head_dim 64", "causal & nsa(compress 32, stride 16, select 64, count 6, window 1)");
        Shape s = k.shape();
        SyntheticSelection a = new SyntheticSelection(s, 5, 64);
        Mask sel = selector(k);
        for (int row = 0; row < s.qLen(); row += 13) {
            int current = (int) (s.positionOfRow(row) / 64);
            List<Integer> blocks = wholeBlocks(a.visible(sel, 0, 0, row), 64, s.kvLen());
            assertEquals(Math.min(6, current + 1), blocks.size(), "row " + row);
        }
    }

    @Test
    void xattentionKeepsBlockZeroTheDiagonalAndMoreAsTheThresholdRises() {
        double[] thresholds = {0.3, 0.6, 0.9, 0.99, 1.0};
        long[] kept = new long[thresholds.length];
        long candidates = 0;
        for (int t = 0; t < thresholds.length; t++) {
            KernelSpec k = kernel("batch 1, heads 4, q_len 8192, head_dim 64",
                    "causal & xattention(block 64, stride 8, threshold " + thresholds[t] + ")");
            Shape s = k.shape();
            SyntheticSelection a = new SyntheticSelection(s, 2, 64);
            Mask sel = selector(k);
            candidates = 0;
            for (int row = 0; row < s.qLen(); row += 64) {
                int diagonal = row / 64;
                List<Integer> blocks = wholeBlocks(a.visible(sel, 0, 2, row), 64, s.kvLen());
                assertTrue(blocks.contains(0) && blocks.contains(diagonal) && blocks.stream().allMatch(j -> j <= diagonal),
                        "row " + row + ": " + blocks);
                kept[t] += blocks.size();
                candidates += diagonal + 1;
            }
            if (t > 0) {
                assertTrue(kept[t] >= kept[t - 1], "threshold " + thresholds[t] + " keeps no fewer blocks than " + thresholds[t - 1]);
            }
        }
        // uniform masses: threshold t keeps about 1 - sqrt(1 - t) of the blocks
        assertEquals(1 - Math.sqrt(1 - 0.9), (double) kept[2] / candidates, 0.03, "kept fraction at 0.9");
        assertEquals(candidates, kept[4], "threshold 1 keeps every block");
    }
}
