package io.attnkit.sim.l2;

import java.util.Map;
import java.util.TreeMap;

/**
 * The items of one object that some access has touched, as disjoint intervals of item
 * positions: what tells a first touch (a compulsory miss) from a reuse.
 */
final class TouchedItems {
    private final TreeMap<Double, Double> intervals = new TreeMap<>(); // start -> end, disjoint, not adjacent

    /** Adds items {@code [from, to)}; returns how much of that range had not been touched before. */
    double add(double from, double to) {
        if (!(to > from)) {
            return 0;
        }
        double fresh = to - from;
        double lo = from;
        double hi = to;
        Map.Entry<Double, Double> e = intervals.floorEntry(from);
        if (e == null || e.getValue() < from) {
            e = intervals.higherEntry(from);
        }
        while (e != null && e.getKey() <= to) {
            double a = e.getKey();
            double b = e.getValue();
            fresh -= Math.max(0, Math.min(b, to) - Math.max(a, from));
            lo = Math.min(lo, a);
            hi = Math.max(hi, b);
            intervals.remove(a);
            e = intervals.higherEntry(a);
        }
        intervals.put(lo, hi);
        return fresh;
    }

    /** True when every item of {@code [from, to)} has been touched. */
    boolean covers(double from, double to) {
        Map.Entry<Double, Double> e = intervals.floorEntry(from);
        return e != null && e.getValue() >= to;
    }

    /** How much of {@code [from, to)} has not been touched. */
    double untouched(double from, double to) {
        if (!(to > from)) {
            return 0;
        }
        double fresh = to - from;
        Map.Entry<Double, Double> e = intervals.floorEntry(from);
        if (e == null || e.getValue() <= from) {
            e = intervals.higherEntry(from);
        }
        for (; e != null && e.getKey() < to; e = intervals.higherEntry(e.getKey())) {
            fresh -= Math.max(0, Math.min(e.getValue(), to) - Math.max(e.getKey(), from));
        }
        return fresh;
    }
}
