package io.attnkit.dsl.select;

import io.attnkit.dsl.blocks.SelectionTable;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import java.util.Arrays;

/**
 * XAttention's threshold block selection ({@code xattention(block, stride, threshold)}, arXiv
 * 2503.16428), per query head, as its reference implementation computes it in causal mode.
 *
 * <p>Positions are cut into stride groups of {@code stride} and blocks of {@code block}. For
 * query group {@code r} and key group {@code c <= r}, the antidiagonal score is
 * {@code A[r][c] = Σ_t q(r·s + s-1-t) · k(c·s + t)} over {@code t < s}, where a position with no
 * query row or no key contributes nothing. Each query group's scores {@code A[r][c] · scale / s}
 * go through a softmax over {@code c = 0 .. r}; the probabilities are summed per (query block,
 * key block) into the block's mass. Per query block {@code Q}, the first key block and the
 * diagonal block {@code Q} are kept; the other key blocks {@code 1 .. Q-1} are added in
 * descending order of mass (ties to the lower block) while the kept mass is below
 * {@code threshold} times the sum of the masses of {@code 0 .. Q}. All rows whose positions fall
 * in query block {@code Q} share its decision; rows at negative positions keep nothing.
 */
final class XAttentionSelection {
    private XAttentionSelection() {
    }

    static SelectionTable select(Mask.XAttention selector, Inputs in, boolean[][] uses) {
        SelectionTable.Layout layout = new SelectionTable.Layout(selector.block(), selector.block(), false, 0);
        return Tables.build(selector, in.shape, layout, uses, (b, h) -> decide(selector, in, layout, b, h));
    }

    private static int[] decide(Mask.XAttention selector, Inputs in, SelectionTable.Layout layout, int b, int h) {
        Shape s = in.shape;
        int stride = selector.stride();
        int groupsPerBlock = selector.block() / stride;
        int d = s.headDim();
        int width = stride * d;
        long offset = (long) s.kvLen() - s.qLen();
        int lastStrideGroup = (s.kvLen() - 1) / stride;
        int firstStrideGroup = (int) Math.floorDiv(Math.max(offset, 0), stride);
        double[][] keys = reshapedKeys(in, b, s.kvHeadOf(h), stride, lastStrideGroup + 1);
        int blocks = (int) ((s.kvLen() + (long) selector.block() - 1) / selector.block());
        int firstRowGroup = (int) Math.floorDiv(offset, selector.block());
        int wordsPerGroup = SelectionTable.wordsPerGroup(s, layout);
        int[] words = Tables.emptySlot(s, layout);
        double[] mass = new double[blocks];
        double[] probabilities = new double[lastStrideGroup + 1];
        double[] query = new double[width];
        int queryBlock = -1;
        for (int r = firstStrideGroup; r <= lastStrideGroup; r++) {
            if (r / groupsPerBlock != queryBlock) {
                if (queryBlock >= 0) {
                    choose(mass, queryBlock, selector.threshold(), words, (queryBlock - firstRowGroup) * wordsPerGroup);
                }
                queryBlock = r / groupsPerBlock;
                Arrays.fill(mass, 0, queryBlock + 1, 0);
            }
            for (int t = 0; t < stride; t++) {
                long row = (long) r * stride + stride - 1 - t - offset;
                if (row >= 0 && row < s.qLen()) {
                    System.arraycopy(in.q, in.qOffset(b, h, (int) row), query, t * d, d);
                } else {
                    Arrays.fill(query, t * d, (t + 1) * d, 0);
                }
            }
            for (int c = 0; c <= r; c++) {
                probabilities[c] = Inputs.dot(query, 0, keys[c], 0, width) * in.scale / stride;
            }
            Inputs.softmax(probabilities, 0, r + 1);
            for (int c = 0; c <= r; c++) {
                mass[c / groupsPerBlock] += probabilities[c];
            }
        }
        choose(mass, queryBlock, selector.threshold(), words, (queryBlock - firstRowGroup) * wordsPerGroup);
        return words;
    }

    /** Key group {@code c}: keys {@code c·s .. c·s + s - 1} laid end to end, zeros past the last key. */
    private static double[][] reshapedKeys(Inputs in, int b, int kvHead, int stride, int groups) {
        int d = in.shape.headDim();
        double[][] keys = new double[groups][stride * d];
        for (int c = 0; c < groups; c++) {
            for (int t = 0; t < stride && (long) c * stride + t < in.shape.kvLen(); t++) {
                System.arraycopy(in.k, in.kOffset(b, kvHead, c * stride + t), keys[c], t * d, d);
            }
        }
        return keys;
    }

    /** Keeps blocks 0 and {@code queryBlock}, then the heaviest others until the threshold is reached. */
    private static void choose(double[] mass, int queryBlock, double threshold, int[] words, int base) {
        for (int kb : XAttentionThreshold.kept(mass, queryBlock, threshold)) {
            Tables.set(words, base, kb);
        }
    }
}
