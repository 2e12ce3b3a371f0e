package io.attnkit.sim.l2;

import java.util.Arrays;

/**
 * Bytes that went through the L2 once and are never looked for again (Q tiles, O tiles), by
 * time: they take space in the cache, so they count in every stack distance they fall into.
 */
final class PointLog {
    private static final int MAX_ENTRIES = 1 << 16;

    private double[] times = new double[1024];
    private double[] cumulative = new double[1024];
    private int size;
    private double base; // cumulative bytes before entry 0
    private double total;

    void add(double time, double bytes) {
        if (bytes <= 0) {
            return;
        }
        if (size == times.length) {
            if (size >= MAX_ENTRIES) {
                // The oldest half is far beyond any distance that can still hit.
                int drop = size / 2;
                base = cumulative[drop - 1];
                System.arraycopy(times, drop, times, 0, size - drop);
                System.arraycopy(cumulative, drop, cumulative, 0, size - drop);
                size -= drop;
            } else {
                times = Arrays.copyOf(times, size * 2);
                cumulative = Arrays.copyOf(cumulative, size * 2);
            }
        }
        total += bytes;
        times[size] = time;
        cumulative[size] = total;
        size++;
    }

    /** Bytes added at a time after {@code since}. */
    double since(double since) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (times[mid] > since) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return total - (lo == 0 ? base : cumulative[lo - 1]);
    }
}
