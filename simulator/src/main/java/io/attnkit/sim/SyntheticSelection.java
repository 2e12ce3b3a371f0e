package io.attnkit.sim;

import io.attnkit.dsl.blocks.IntervalSet;
import io.attnkit.dsl.blocks.Selection;
import io.attnkit.dsl.select.XAttentionThreshold;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A selection drawn at random with each selector's structure, without Q or K: for simulating
 * data-dependent kernels at sizes where deciding them on random inputs is too costly. Random
 * scores replace the selector's QK scores; everything else is the selector's own rule:
 * <ul>
 * <li>{@code topk_blocks(block, k)} (MoBA): a row at position p keeps its current block
 * {@code p / block} and the {@code k - 1} best of the earlier blocks ({@code min(k, c + 1)}
 * blocks in all);</li>
 * <li>{@code nsa(compress, stride, select, count, window)}: per GQA group, the current, first and
 * previous select-blocks, then the best others up to {@code count}, and the keys
 * {@code (p - window, p]};</li>
 * <li>{@code xattention(block, stride, threshold)}: per query block of {@code block} positions,
 * the selector's threshold rule on random block masses, uniform in [0, 1): key block 0 and the
 * diagonal block, then the heaviest others until the kept mass reaches {@code threshold} of the
 * row's. With masses that even, a threshold t keeps about {@code 1 - sqrt(1 - t)} of the
 * blocks (0.68 at 0.9); real attention concentrates its mass in fewer blocks, so this density
 * is an assumption (an upper end), not the selector's on real data.</li>
 * </ul>
 * Rows of one group of {@code rowGroup} rows (the kernel's q tile) share their random scores,
 * as neighbouring queries of real inputs largely agree; each row still keeps exactly what its
 * position allows. The draws are a function of (seed, selector, batch, head, group): the same
 * seed gives the same selection.
 */
public final class SyntheticSelection implements Selection {
    private final Shape shape;
    private final long seed;
    private final int rowGroup;
    private final Map<Mask, Integer> selectors = new HashMap<>();
    private final Map<Long, int[]> rankings = new HashMap<>();
    // The last answer: rows of a group at the same block get the same keys (the block map asks row by row).
    private long lastKey = Long.MIN_VALUE;
    private IntervalSet lastAnswer;

    public SyntheticSelection(Shape shape, long seed, int rowGroup) {
        if (rowGroup < 1) {
            throw new IllegalArgumentException("row group must be positive");
        }
        this.shape = shape;
        this.seed = seed;
        this.rowGroup = rowGroup;
    }

    @Override
    public IntervalSet visible(Mask selector, int batch, int head, int row) {
        long p = shape.positionOfRow(row);
        if (p < 0) {
            return IntervalSet.EMPTY;
        }
        int id = selectors.computeIfAbsent(selector, x -> selectors.size());
        if (!(selector instanceof Mask.Nsa)) {
            long block = p / switch (selector) {
                case Mask.TopKBlocks t -> t.block();
                case Mask.XAttention x -> x.block();
                default -> 1;
            };
            long key = mix(seed, id, batch, head, row / rowGroup, block);
            if (key != lastKey) {
                lastAnswer = decide(selector, id, batch, head, row, p);
                lastKey = key;
            }
            return lastAnswer;
        }
        return decide(selector, id, batch, head, row, p);
    }

    private IntervalSet decide(Mask selector, int id, int batch, int head, int row, long p) {
        int kv = shape.kvLen();
        return switch (selector) {
            case Mask.TopKBlocks t -> {
                int current = (int) (p / t.block());
                List<Integer> blocks = best(ranking(id, batch, head, row, current), current, t.k() - 1);
                blocks.add(current);
                yield blocksOf(blocks, t.block(), kv);
            }
            case Mask.Nsa n -> {
                int kvHead = shape.kvHeadOf(head);
                int current = (int) (p / n.selectBlock());
                List<Integer> blocks = new ArrayList<>();
                for (int forced : new int[] {current, 0, current - 1}) {
                    if (forced >= 0 && !blocks.contains(forced) && blocks.size() < n.selectCount()) {
                        blocks.add(forced);
                    }
                }
                int[] ranked = ranking(id, batch, kvHead, row, current);
                for (int j : ranked) {
                    if (blocks.size() >= n.selectCount()) {
                        break;
                    }
                    if (j < current && !blocks.contains(j)) {
                        blocks.add(j);
                    }
                }
                IntervalSet window = IntervalSet.of(Math.max(0, p - n.window() + 1), Math.min(kv, p + 1));
                yield blocksOf(blocks, n.selectBlock(), kv).union(window);
            }
            case Mask.XAttention x -> {
                int diagonal = (int) (p / x.block());
                long group = p / x.block();
                // the selector's own threshold rule, on random block masses
                double[] mass = new double[diagonal + 1];
                for (int j = 0; j <= diagonal; j++) {
                    mass[j] = unit(mix(seed, id, batch, head, group, j));
                }
                yield IntervalSet.ofBlocks(XAttentionThreshold.kept(mass, diagonal, x.threshold()), x.block(), kv);
            }
            default -> throw new IllegalArgumentException(selector + " is not a data-dependent selector");
        };
    }

    /** The earlier blocks {@code 0 .. candidates-1} of the group of {@code row}, best first (random scores, cached per group). */
    private int[] ranking(int id, int batch, int head, int row, int candidates) {
        long group = row / rowGroup;
        long key = mix(seed, id, batch, head, group, candidates);
        int[] ranked = rankings.get(key);
        if (ranked == null) {
            if (rankings.size() > 4096) {
                rankings.clear();
            }
            long[] scored = new long[candidates];
            for (int j = 0; j < candidates; j++) {
                scored[j] = (mix(seed, id, batch, head, group, j) & ~0xFFFFFFFFL) | j;
            }
            Arrays.sort(scored);
            ranked = new int[candidates];
            for (int j = 0; j < candidates; j++) {
                ranked[j] = (int) (scored[candidates - 1 - j] & 0xFFFFFFFFL);
            }
            rankings.put(key, ranked);
        }
        return ranked;
    }

    private static List<Integer> best(int[] ranked, int below, int count) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < ranked.length && out.size() < count; i++) {
            if (ranked[i] < below) {
                out.add(ranked[i]);
            }
        }
        return out;
    }

    private static IntervalSet blocksOf(List<Integer> blocks, int size, int kvLen) {
        return IntervalSet.ofBlocks(blocks.stream().mapToInt(Integer::intValue).toArray(), size, kvLen);
    }

    /** A 64-bit hash of the coordinates (SplitMix64's finaliser over each). */
    static long mix(long seed, long... values) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (long v : values) {
            h ^= v + 0x9E3779B97F4A7C15L + (h << 6) + (h >>> 2);
            h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
            h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
            h ^= h >>> 31;
        }
        return h;
    }

    private static double unit(long h) {
        return (h >>> 11) * 0x1.0p-53;
    }
}
