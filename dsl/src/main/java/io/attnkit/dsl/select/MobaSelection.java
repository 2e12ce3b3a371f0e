package io.attnkit.dsl.select;

import io.attnkit.dsl.blocks.SelectionTable;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;

/**
 * MoBA's block selection ({@code topk_blocks(block, k)}, arXiv 2502.13189), per query head.
 *
 * <p>Keys are cut into blocks of {@code block} keys (the last one ragged). For query row
 * {@code i} at position {@code p >= 0}, the candidate blocks are those that start at or before
 * {@code p}, {@code 0 .. c} with {@code c = p / block}. The current block {@code c} is always
 * kept; every other candidate {@code j} is scored {@code q_i · mean(K_j)} (float64, on inputs
 * rounded to the kernel's type) and the {@code k - 1} best are kept, ties to the lower block. A
 * row therefore keeps {@code min(k, c + 1)} blocks; a row with {@code p < 0} keeps none.
 */
final class MobaSelection {
    private MobaSelection() {
    }

    static SelectionTable select(Mask.TopKBlocks selector, Inputs in, boolean[][] uses) {
        SelectionTable.Layout layout = new SelectionTable.Layout(selector.block(), 1, false, 0);
        return Tables.build(selector, in.shape, layout, uses, (b, h) -> decide(selector, in, layout, b, h));
    }

    private static int[] decide(Mask.TopKBlocks selector, Inputs in, SelectionTable.Layout layout, int b, int h) {
        Shape s = in.shape;
        int block = selector.block();
        int blocks = (int) ((s.kvLen() + (long) block - 1) / block);
        int kvHead = s.kvHeadOf(h);
        int d = s.headDim();
        double[][] means = new double[blocks][];
        for (int j = 0; j < blocks; j++) {
            means[j] = in.meanOfKeys(b, kvHead, j * block, (int) Math.min((long) (j + 1) * block, s.kvLen()));
        }
        int wordsPerGroup = SelectionTable.wordsPerGroup(s, layout);
        int[] words = Tables.emptySlot(s, layout);
        double[] scores = new double[blocks];
        boolean[] chosen = new boolean[blocks];
        for (int i = 0; i < s.qLen(); i++) {
            long p = s.positionOfRow(i);
            if (p < 0) {
                continue;
            }
            int current = (int) (p / block);
            int qOff = in.qOffset(b, h, i);
            for (int j = 0; j < current; j++) {
                scores[j] = Inputs.dot(in.q, qOff, means[j], 0, d);
                chosen[j] = false;
            }
            Ranking.takeBest(scores, current, chosen, selector.k() - 1);
            int base = i * wordsPerGroup;
            Tables.set(words, base, current);
            for (int j = 0; j < current; j++) {
                if (chosen[j]) {
                    Tables.set(words, base, j);
                }
            }
        }
        return words;
    }
}
