package io.attnkit.sim.gpu;

/**
 * How many ranges to cut the keys of each row into when the rows alone do not fill the GPU:
 * the rule FlashAttention-2 applies before a split-KV launch (its {@code num_splits_heuristic},
 * arXiv 2307.08691's code; Flash-Decoding's idea). With {@code ctas} CTAs for the rows and
 * {@code slots} CTAs resident at once, {@code s} splits run {@code ctas s / slots} waves, and the
 * last wave is only partly full; the rule takes the fewest splits whose wave efficiency
 * (waves over waves rounded up) is within 85% of the best. A split count that gives every
 * range as many blocks as one split fewer does is not a real choice and is passed over.
 * FlashAttention-2 feeds the rule fixed inputs (2 CTAs per SM, key blocks by head dimension);
 * the callers here feed it the simulated kernel's own slots and K/V tiles.
 */
public final class KvSplits {
    /** FlashAttention-2 caps the splits at 128. */
    public static final int MAX_SPLITS = 128;
    /** Rows that fill this fraction of the slots already are not split. */
    static final double FILLED = 0.8;
    /** A split count qualifies when its wave efficiency is within this fraction of the best. */
    static final double GOOD_ENOUGH = 0.85;

    private KvSplits() {
    }

    /**
     * The split count for {@code ctas} row CTAs on {@code slots} resident CTA slots, with rows
     * of {@code kvBlocks} K/V blocks.
     */
    public static int choose(long ctas, long slots, int kvBlocks) {
        if (ctas < 1 || slots < 1 || kvBlocks < 1) {
            throw new IllegalArgumentException("ctas, slots and K/V blocks must be positive");
        }
        if (ctas >= FILLED * slots) {
            return 1;
        }
        int most = (int) Math.min(Math.min(MAX_SPLITS, slots), kvBlocks);
        double best = 0;
        for (int s = 1; s <= most; s++) {
            if (distinct(s, kvBlocks)) {
                best = Math.max(best, efficiency(ctas, slots, s));
            }
        }
        for (int s = 1; s <= most; s++) {
            if (distinct(s, kvBlocks) && efficiency(ctas, slots, s) >= GOOD_ENOUGH * best) {
                return s;
            }
        }
        return 1;
    }

    /** Waves over waves rounded up: 1 when the last wave is full. */
    static double efficiency(long ctas, long slots, int splits) {
        double waves = (double) ctas * splits / slots;
        return waves / Math.ceil(waves);
    }

    private static boolean distinct(int splits, int kvBlocks) {
        return splits == 1 || ceilDiv(kvBlocks, splits) != ceilDiv(kvBlocks, splits - 1);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
