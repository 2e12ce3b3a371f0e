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
     * Max-min fair shares of {@code capacity} bytes per cycle: users whose demand at their rate
     * ({@code rate[i] x bytesPerStep[i]}) is below the fair share keep it, the others are scaled
     * down to an equal share of what is left. Rates are changed in place.
     */
    static void waterFill(double[] rate, double[] bytesPerStep, double capacity) {
        int n = rate.length;
        double[] demand = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
            demand[i] = rate[i] * bytesPerStep[i];
            total += demand[i];
        }
        if (total <= capacity || Double.isInfinite(capacity)) {
            return;
        }
        double[] sorted = demand.clone();
        Arrays.sort(sorted);
        double left = capacity;
        double share = 0;
        for (int i = 0; i < n; i++) {
            double fair = left / (n - i);
            if (sorted[i] <= fair) {
                left -= sorted[i];
            } else {
                share = fair;
                break;
            }
        }
        for (int i = 0; i < n; i++) {
            if (demand[i] > share) {
                rate[i] *= share / demand[i];
            }
        }
    }
}
