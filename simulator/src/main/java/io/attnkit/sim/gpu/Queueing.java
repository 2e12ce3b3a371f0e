package io.attnkit.sim.gpu;

import java.util.Arrays;

/** The two sharing laws of the engine: a closed queueing network on an SM, and max-min fair bandwidth. */
final class Queueing {
    private Queueing() {
    }

    /**
     * Throughput of a closed network of two queues (service demands {@code d1}, {@code d2}) and
     * a delay {@code z} with {@code customers} customers, by exact mean-value analysis
     * (Reiser and Lavenberg, 1980).
     */
    static double throughput(double d1, double d2, double z, int customers) {
        if (d1 + d2 + z <= 0) {
            return Double.POSITIVE_INFINITY;
        }
        double q1 = 0;
        double q2 = 0;
        double x = 0;
        for (int n = 1; n <= customers; n++) {
            double r1 = d1 * (1 + q1);
            double r2 = d2 * (1 + q2);
            x = n / (r1 + r2 + z);
            q1 = x * r1;
            q2 = x * r2;
        }
        return x;
    }

    /**
     * Max-min fair shares of {@code capacity} bytes per cycle among users {@code 0 .. n - 1}:
     * users whose demand at their rate ({@code rate[i] x bytesPerStep[i]}) is below the fair
     * share keep it, the others are scaled down to an equal share of what is left. Rates are
     * changed in place; {@code demand} is scratch of at least {@code n}.
     */
    static void waterFill(double[] rate, double[] bytesPerStep, int n, double capacity, double[] demand) {
        double total = 0;
        double least = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            demand[i] = rate[i] * bytesPerStep[i];
            total += demand[i];
            least = Math.min(least, demand[i]);
        }
        if (total <= capacity || Double.isInfinite(capacity)) {
            return;
        }
        // Usually even the least demand is above an equal split, and the share is that split
        // without sorting: the first step of the loop below.
        double share = capacity / n;
        if (!(least > share)) {
            share = fairShare(Arrays.copyOf(demand, n), capacity);
        }
        for (int i = 0; i < n; i++) {
            if (demand[i] > share) {
                rate[i] *= share / demand[i];
            }
        }
    }

    /** The share of the users above it, given every demand: the smaller ones are served first. */
    private static double fairShare(double[] sorted, double capacity) {
        Arrays.sort(sorted);
        int n = sorted.length;
        double left = capacity;
        for (int i = 0; i < n; i++) {
            double fair = left / (n - i);
            if (!(sorted[i] <= fair)) {
                return fair;
            }
            left -= sorted[i];
        }
        return 0;
    }
}
