package io.attnkit.dsl.select;

import java.util.stream.IntStream;

/**
 * Orders candidate blocks by score: highest first, equal scores to the lower index. A NaN score
 * (from non-finite inputs) ranks below every number.
 */
final class Ranking {
    private Ranking() {
    }

    /**
     * Marks in {@code chosen} up to {@code count} of the candidates {@code [0, n)} not chosen yet,
     * best first; returns how many it marked.
     */
    static int takeBest(double[] scores, int n, boolean[] chosen, int count) {
        int taken = 0;
        while (taken < count) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (!chosen[i] && (best < 0 || key(scores[i]) > key(scores[best]))) {
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            chosen[best] = true;
            taken++;
        }
        return taken;
    }

    /** The candidates {@code [0, n)} that are not {@code excluded}, best first. */
    static int[] order(double[] scores, int n, boolean[] excluded) {
        return IntStream.range(0, n).filter(i -> !excluded[i]).boxed()
                .sorted((a, b) -> {
                    int byScore = Double.compare(key(scores[b]), key(scores[a]));
                    return byScore != 0 ? byScore : Integer.compare(a, b);
                })
                .mapToInt(Integer::intValue).toArray();
    }

    private static double key(double score) {
        // + 0.0 makes -0.0 equal to 0.0 for Double.compare, as it is for >.
        return Double.isNaN(score) ? Double.NEGATIVE_INFINITY : score + 0.0;
    }
}
