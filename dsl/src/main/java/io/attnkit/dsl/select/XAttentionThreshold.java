package io.attnkit.dsl.select;

import java.util.Arrays;

/**
 * XAttention's threshold rule for one query block, given the masses of key blocks
 * {@code 0 .. queryBlock}: the first key block and the diagonal one, then the others in
 * descending order of mass (ties to the lower block) while the kept mass is below
 * {@code threshold} times the sum. The selector decides it on Q and K; the simulator's synthetic
 * selection on random masses.
 */
public final class XAttentionThreshold {
    private XAttentionThreshold() {
    }

    /** The kept key blocks: 0, then {@code queryBlock} (when it is not 0), then the heaviest others in order. */
    public static int[] kept(double[] mass, int queryBlock, double threshold) {
        double total = 0;
        for (int kb = 0; kb <= queryBlock; kb++) {
            total += mass[kb];
        }
        double required = threshold * total;
        boolean[] forced = new boolean[queryBlock + 1];
        forced[0] = true;
        forced[queryBlock] = true;
        int[] kept = new int[queryBlock + 1];
        int n = 0;
        kept[n++] = 0;
        double sum = mass[0];
        if (queryBlock != 0) {
            kept[n++] = queryBlock;
            sum += mass[queryBlock];
        }
        for (int kb : Ranking.order(mass, queryBlock + 1, forced)) {
            if (sum >= required) {
                break;
            }
            kept[n++] = kb;
            sum += mass[kb];
        }
        return Arrays.copyOf(kept, n);
    }
}
