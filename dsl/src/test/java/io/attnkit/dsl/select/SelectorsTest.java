package io.attnkit.dsl.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.blocks.IntervalSet;
import io.attnkit.dsl.blocks.SelectionTable;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/** Each selector against its naive re-implementation, and the properties docs/selectors.md promises. */
class SelectorsTest {

    private record Problem(KernelSpec kernel, Mask selector, NaiveSelectors naive, Decision decision) {
        Shape shape() {
            return kernel.shape();
        }
    }

    private static Problem problem(SplittableRandom r, Function<Shape, Mask> selector) throws WeightsException {
        Shape shape = Kernels.randomShape(r);
        DType dtype = Kernels.randomType(r);
        Mask mask = selector.apply(shape);
        KernelSpec kernel = Kernels.uniform(shape, dtype, mask);
        Tensor q = Tensor.random(shape.batch(), shape.heads(), shape.qLen(), shape.headDim(), r.nextLong());
        Tensor k = Tensor.random(shape.batch(), shape.kvHeads(), shape.kvLen(), shape.headDim(), r.nextLong());
        return new Problem(kernel, mask, new NaiveSelectors(shape, dtype, kernel.scale(), q, k), Selector.decide(kernel, q, k));
    }

    /** A check of one query row, {@code pos} its key position. */
    @FunctionalInterface
    private interface RowCheck {
        void check(int b, int h, int i, long pos);
    }

    private static void forEachRow(Shape s, RowCheck check) {
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.heads(); h++) {
                for (int i = 0; i < s.qLen(); i++) {
                    check.check(b, h, i, s.positionOfRow(i));
                }
            }
        }
    }

    private static void assertSameKeys(boolean[][][][] expected, Problem p, Mask selector) {
        Shape s = p.shape();
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.heads(); h++) {
                for (int i = 0; i < s.qLen(); i++) {
                    IntervalSet visible = p.decision().selection().visible(selector, b, h, i);
                    for (int j = 0; j < s.kvLen(); j++) {
                        if (expected[b][h][i][j] != visible.contains(j)) {
                            throw new AssertionError(selector + " " + s + " " + p.kernel().dtype() + ": batch " + b + " head " + h
                                    + " row " + i + " key " + j + " should be " + (expected[b][h][i][j] ? "" : "in") + "visible, decided " + visible);
                        }
                    }
                }
            }
        }
    }

    @RepeatedTest(60)
    void topkBlocksMatchesNaiveMoba(RepetitionInfo info) throws WeightsException {
        SplittableRandom r = new SplittableRandom(info.getCurrentRepetition());
        Problem p = problem(r, s -> {
            int block = 1 + r.nextInt(s.kvLen());
            return new Mask.TopKBlocks(block, 1 + r.nextInt((s.kvLen() + block - 1) / block), Kernels.S);
        });
        Mask.TopKBlocks sel = (Mask.TopKBlocks) p.selector();
        assertSameKeys(p.naive().moba(sel), p, sel);
        SelectionTable table = p.decision().table(sel).orElseThrow();
        Shape s = p.shape();
        forEachRow(s, (b, h, i, pos) -> {
            int candidates = pos < 0 ? 0 : (int) (pos / sel.block()) + 1;
            assertEquals(Math.min(sel.k(), candidates), table.chosenBlocks(b, h, i), "exactly min(k, candidates) blocks");
            if (pos >= 0) {
                assertTrue(table.admitsBlock(b, h, i, (int) (pos / sel.block())), "the current block is kept");
            }
        });
    }

    @RepeatedTest(60)
    void xattentionMatchesNaiveAndKeepsTheThresholdMinimally(RepetitionInfo info) throws WeightsException {
        SplittableRandom r = new SplittableRandom(1000 + info.getCurrentRepetition());
        Problem p = problem(r, s -> {
            int stride = 1 + r.nextInt(4);
            int block = stride * (1 + r.nextInt(4));
            double threshold = r.nextInt(4) == 0 ? 1.0 : 0.05 + 0.9 * r.nextDouble();
            return new Mask.XAttention(block, stride, threshold, Kernels.S);
        });
        Mask.XAttention sel = (Mask.XAttention) p.selector();
        assertSameKeys(p.naive().xattention(sel), p, sel);
        double[][][][] mass = p.naive().xattentionMass(sel);
        SelectionTable table = p.decision().table(sel).orElseThrow();
        Shape s = p.shape();
        forEachRow(s, (b, h, i, pos) -> {
            if (pos < 0) {
                assertEquals(0, table.chosenBlocks(b, h, i));
                return;
            }
            int qb = (int) (pos / sel.block());
            assertTrue(table.admitsBlock(b, h, i, 0) && table.admitsBlock(b, h, i, qb), "first and diagonal blocks kept");
            double total = 0;
            double kept = 0;
            double lightest = Double.POSITIVE_INFINITY;
            int others = 0;
            for (int kb = 0; kb <= qb; kb++) {
                total += mass[b][h][qb][kb];
                if (table.admitsBlock(b, h, i, kb)) {
                    kept += mass[b][h][qb][kb];
                    if (kb != 0 && kb != qb) {
                        lightest = Math.min(lightest, mass[b][h][qb][kb]);
                        others++;
                    }
                }
            }
            for (int kb = qb + 1; kb < table.keyBlocks(); kb++) {
                assertTrue(!table.admitsBlock(b, h, i, kb), "no block after the diagonal");
            }
            int candidates = Math.max(0, qb - 1);
            double slack = 1e-9 * total;
            assertTrue(kept >= sel.threshold() * total - slack || others == candidates,
                    "kept mass " + kept + " reaches " + sel.threshold() + " of " + total);
            assertTrue(others == 0 || kept - lightest < sel.threshold() * total + slack,
                    "minimal: without its lightest block, " + (kept - lightest) + " < " + sel.threshold() * total);
        });
    }

    @RepeatedTest(60)
    void nsaMatchesNaiveAndKeepsInitialLocalAndWindow(RepetitionInfo info) throws WeightsException {
        SplittableRandom r = new SplittableRandom(2000 + info.getCurrentRepetition());
        Problem p = problem(r, s -> {
            int stride = 1 + r.nextInt(3);
            int compress = stride * (1 + r.nextInt(3));
            int select = stride * (1 + r.nextInt(4));
            int blocks = (s.kvLen() + select - 1) / select;
            return new Mask.Nsa(compress, stride, select, 1 + r.nextInt(blocks), r.nextInt(s.kvLen() + 1), Kernels.S);
        });
        Mask.Nsa sel = (Mask.Nsa) p.selector();
        Shape s = p.shape();
        boolean[][] all = new boolean[s.batch()][s.heads()];
        for (boolean[] row : all) {
            Arrays.fill(row, true);
        }
        assertSameKeys(p.naive().nsa(sel, all), p, sel);
        SelectionTable table = p.decision().table(sel).orElseThrow();
        forEachRow(s, (b, h, i, pos) -> {
            int current = pos < 0 ? -1 : (int) (pos / sel.selectBlock());
            assertEquals(Math.min(sel.selectCount(), current + 1), table.chosenBlocks(b, h, i), "count respected");
            int[] forced = {current, 0, current - 1};
            for (int f = 0; f < Math.min(3, sel.selectCount()); f++) {
                if (current >= 0 && forced[f] >= 0) {
                    assertTrue(table.admitsBlock(b, h, i, forced[f]), "block " + forced[f] + " is always kept");
                }
            }
            for (long key = Math.max(0, pos - sel.window() + 1); key <= pos; key++) {
                assertTrue(table.admits(b, h, i, (int) key), "window key " + key);
            }
            int other = h ^ 1;
            if (other < s.heads() && s.kvHeadOf(other) == s.kvHeadOf(h)) {
                assertEquals(table.visible(b, h, i), table.visible(b, other, i), "shared by the GQA group");
            }
        });
    }
}
