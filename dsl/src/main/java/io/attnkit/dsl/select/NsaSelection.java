package io.attnkit.dsl.select;

import io.attnkit.dsl.blocks.SelectionTable;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * NSA's selected and sliding branches ({@code nsa(compress, stride, select, count, window)},
 * arXiv 2502.11089), decided once per GQA group.
 *
 * <p>Compressed key {@code i} is the mean of keys {@code [i·stride, i·stride + compress)} (NSA
 * learns an MLP φ here; we use the mean). Row {@code i} at position {@code p} may use the
 * compressed keys that lie wholly at or before {@code p}; its compressed-attention probabilities
 * are the softmax of {@code scale · q · K̃}. Each probability goes to the selection blocks of
 * {@code select} keys that its compressed block overlaps, weighted by the number of
 * {@code stride}-sized chunks they share (NSA's eq. 9), and these importances are summed over the
 * query heads of the GQA group that use the selector (eq. 10). Among the blocks starting at or
 * before {@code p}, the current block, the first block and the previous block are taken first
 * (in that order), then the most important others, ties to the lower block, until {@code count}
 * blocks or no candidate is left. The keys {@code (p - window, p]} are admitted as well.
 */
final class NsaSelection {
    private NsaSelection() {
    }

    static SelectionTable select(Mask.Nsa selector, Inputs in, boolean[][] uses) {
        SelectionTable.Layout layout = new SelectionTable.Layout(selector.selectBlock(), 1, true, selector.window());
        return Tables.build(selector, in.shape, layout, uses, (b, kvHead) -> {
            List<Integer> heads = new ArrayList<>();
            for (int h = kvHead * in.shape.groupSize(); h < (kvHead + 1) * in.shape.groupSize(); h++) {
                if (uses[b][h]) {
                    heads.add(h);
                }
            }
            return decide(selector, in, layout, b, kvHead, heads);
        });
    }

    private static int[] decide(Mask.Nsa selector, Inputs in, SelectionTable.Layout layout, int b, int kvHead,
                                List<Integer> heads) {
        Shape s = in.shape;
        int compress = selector.compress();
        int stride = selector.stride();
        int select = selector.selectBlock();
        int compressed = s.kvLen() >= compress ? (s.kvLen() - compress) / stride + 1 : 0;
        double[][] keys = new double[compressed][];
        for (int c = 0; c < compressed; c++) {
            keys[c] = in.meanOfKeys(b, kvHead, c * stride, c * stride + compress);
        }
        int chunksPerCompressed = compress / stride;
        int chunksPerBlock = select / stride;
        int blocks = (int) ((s.kvLen() + (long) select - 1) / select);
        int wordsPerGroup = SelectionTable.wordsPerGroup(s, layout);
        int[] words = Tables.emptySlot(s, layout);
        double[] importance = new double[blocks];
        double[] probabilities = new double[compressed];
        boolean[] chosen = new boolean[blocks];
        for (int i = 0; i < s.qLen(); i++) {
            long p = s.positionOfRow(i);
            if (p < 0) {
                continue;
            }
            int current = (int) (p / select);
            int available = p + 1 >= compress ? (int) ((p + 1 - compress) / stride) + 1 : 0;
            Arrays.fill(importance, 0, current + 1, 0);
            for (int h : heads) {
                int qOff = in.qOffset(b, h, i);
                for (int c = 0; c < available; c++) {
                    probabilities[c] = in.scale * Inputs.dot(in.q, qOff, keys[c], 0, s.headDim());
                }
                Inputs.softmax(probabilities, 0, available);
                for (int c = 0; c < available; c++) {
                    for (int chunk = c; chunk < c + chunksPerCompressed; chunk++) {
                        importance[chunk / chunksPerBlock] += probabilities[c];
                    }
                }
            }
            Arrays.fill(chosen, 0, current + 1, false);
            int taken = 0;
            for (int forced : new int[] {current, 0, current - 1}) {
                if (forced >= 0 && !chosen[forced] && taken < selector.selectCount()) {
                    chosen[forced] = true;
                    taken++;
                }
            }
            Ranking.takeBest(importance, current + 1, chosen, selector.selectCount() - taken);
            int base = i * wordsPerGroup;
            for (int j = 0; j <= current; j++) {
                if (chosen[j]) {
                    Tables.set(words, base, j);
                }
            }
        }
        return words;
    }
}
