package io.attnkit.sim.l2;

import org.apache.commons.math3.special.Gamma;

/**
 * The probability that a line survives in a hashed set-associative LRU cache after {@code D}
 * distinct other bytes were touched since its last use (its stack distance). With lines
 * spread uniformly over {@code S} sets, the other lines that land in its set are binomial,
 * close to Poisson with mean {@code D / (line * S)}; the line survives while fewer than
 * {@code W} of them arrived (Smith, "A Comparative Study of Set Associative Memory Mapping
 * Algorithms and Their Use for Cache and Main Memory", IEEE TSE 1978). A fully associative
 * cache is the limit of a step at the capacity.
 */
public final class HitCurve {
    private static final int POINTS = 1 << 12;
    private static final double RANGE = 4.0; // in units of the capacity

    private final long capacity;
    private final double[] table;
    private final double deadDistance;
    private final double safeDistance;
    private final double steepestSlope;

    /** The curve for a cache of {@code capacity} bytes and {@code ways} ways. */
    public HitCurve(long capacity, int ways) {
        if (capacity < 0 || ways < 1) {
            throw new IllegalArgumentException("bad cache geometry");
        }
        this.capacity = capacity;
        this.table = new double[POINTS + 1];
        double safe = 0;
        double dead = RANGE * capacity;
        for (int i = 0; i <= POINTS; i++) {
            double fill = RANGE * i / POINTS; // D / capacity
            double mean = fill * ways;
            // P(Poisson(mean) <= ways - 1) is the regularised upper incomplete gamma function Q(ways, mean).
            double p = mean == 0 ? 1.0 : Gamma.regularizedGammaQ(ways, mean);
            table[i] = p;
            if (p > 1 - 1e-9) {
                safe = fill * capacity;
            }
            if (p < 1e-9 && dead == RANGE * capacity) {
                dead = fill * capacity;
            }
        }
        this.safeDistance = safe;
        this.deadDistance = dead;
        double steepest = 0;
        for (int i = 0; i < POINTS; i++) {
            steepest = Math.max(steepest, table[i] - table[i + 1]);
        }
        this.steepestSlope = capacity == 0 ? 0 : steepest / (RANGE * capacity / POINTS);
    }

    /** The most the hit probability falls per byte of stack distance, anywhere on the curve. */
    public double steepestSlope() {
        return steepestSlope;
    }

    /** The hit probability at stack distance {@code bytes}. */
    public double hit(double bytes) {
        if (capacity == 0) {
            return 0;
        }
        double x = bytes / capacity / RANGE * POINTS;
        if (x <= 0) {
            return 1;
        }
        if (x >= POINTS) {
            return 0;
        }
        int i = (int) x;
        double f = x - i;
        return table[i] + (table[i + 1] - table[i]) * f;
    }

    /** The stack distance at which the hit probability has fallen to {@code hit}, in bytes. */
    public double distanceAt(double hit) {
        if (capacity == 0 || hit >= 1) {
            return 0;
        }
        int lo = 0;
        int hi = POINTS;
        if (table[hi] > hit) {
            return RANGE * capacity;
        }
        while (hi - lo > 1) { // table falls from 1: keep table[lo] > hit >= table[hi]
            int mid = (lo + hi) >>> 1;
            if (table[mid] > hit) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double f = (table[lo] - hit) / (table[lo] - table[hi]);
        return (lo + f) * RANGE * capacity / POINTS;
    }

    /** Below this stack distance a line survives with probability at least {@code 1 - 1e-9}. */
    public double safeDistance() {
        return safeDistance;
    }

    /** Beyond this stack distance a line survives with probability below {@code 1e-9}. */
    public double deadDistance() {
        return deadDistance;
    }
}
