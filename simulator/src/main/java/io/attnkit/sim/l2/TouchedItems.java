package io.attnkit.sim.l2;

import java.util.Arrays;

/**
 * The items of one object that some access has touched, as disjoint intervals of item
 * positions: what tells a first touch (a compulsory miss) from a reuse. Kept in one sorted
 * array, start and end of each interval side by side: most objects hold one interval, and a
 * decode batch holds millions of objects (a tree map took three times the memory).
 */
final class TouchedItems {
    private static final double[] NONE = new double[0];

    /** Interval k is {@code [bounds[2k], bounds[2k + 1])}; disjoint, not adjacent, in order. */
    private double[] bounds = NONE;
    private int count;

    /** Adds items {@code [from, to)}; returns how much of that range had not been touched before. */
    double add(double from, double to) {
        if (!(to > from)) {
            return 0;
        }
        int first = firstEndingAtOrAfter(from); // the intervals first .. last touch or overlap [from, to]
        int last = first;
        double fresh = to - from;
        double lo = from;
        double hi = to;
        for (; last < count && start(last) <= to; last++) {
            fresh -= Math.max(0, Math.min(end(last), to) - Math.max(start(last), from));
            lo = Math.min(lo, start(last));
            hi = Math.max(hi, end(last));
        }
        int merged = last - first;
        if (merged == 0) { // a new interval at first
            if (2 * (count + 1) > bounds.length) {
                bounds = Arrays.copyOf(bounds, Math.max(2, 4 * count));
            }
            System.arraycopy(bounds, 2 * first, bounds, 2 * first + 2, 2 * (count - first));
            count++;
        } else if (merged > 1) { // intervals first + 1 .. last - 1 go
            System.arraycopy(bounds, 2 * last, bounds, 2 * first + 2, 2 * (count - last));
            count -= merged - 1;
        }
        bounds[2 * first] = lo;
        bounds[2 * first + 1] = hi;
        return fresh;
    }

    /** True when every item of {@code [from, to)} has been touched. */
    boolean covers(double from, double to) {
        int k = lastStartingAtOrBefore(from);
        return k >= 0 && end(k) >= to;
    }

    /** How much of {@code [from, to)} has not been touched. */
    double untouched(double from, double to) {
        if (!(to > from)) {
            return 0;
        }
        double fresh = to - from;
        for (int k = firstEndingAtOrAfter(from); k < count && start(k) < to; k++) {
            fresh -= Math.max(0, Math.min(end(k), to) - Math.max(start(k), from));
        }
        return fresh;
    }

    private double start(int k) {
        return bounds[2 * k];
    }

    private double end(int k) {
        return bounds[2 * k + 1];
    }

    /** The first interval whose end is at least {@code x}; {@code count} when none is. */
    private int firstEndingAtOrAfter(double x) {
        int lo = 0;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (end(mid) < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The last interval whose start is at most {@code x}; -1 when none is. */
    private int lastStartingAtOrBefore(double x) {
        int lo = 0;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (start(mid) <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo - 1;
    }
}
