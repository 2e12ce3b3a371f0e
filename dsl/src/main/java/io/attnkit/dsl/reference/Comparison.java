package io.attnkit.dsl.reference;

/**
 * How a kernel's output differs from the reference.
 *
 * @param maxAbsError   largest {@code |o - ref|}
 * @param maxRelError   largest {@code |o - ref| / max(|ref|, atol)}
 * @param violations    elements outside the tolerance
 * @param firstViolation flat index of the first one, or -1
 */
public record Comparison(double maxAbsError, double maxRelError, long violations, long firstViolation, Tolerance tolerance) {

    public boolean passed() {
        return violations == 0;
    }

    public static Comparison of(float[] actual, double[] expected, Tolerance tolerance) {
        if (actual.length != expected.length) {
            throw new IllegalArgumentException("output has " + actual.length + " elements, reference " + expected.length);
        }
        double maxAbs = 0;
        double maxRel = 0;
        long bad = 0;
        long first = -1;
        for (int i = 0; i < actual.length; i++) {
            double a = actual[i];
            double e = expected[i];
            double err = Math.abs(a - e);
            if (Double.isNaN(a)) {
                err = Double.POSITIVE_INFINITY;
            }
            maxAbs = Math.max(maxAbs, err);
            maxRel = Math.max(maxRel, err / Math.max(Math.abs(e), tolerance.atol()));
            if (!tolerance.accepts(a, e)) {
                bad++;
                if (first < 0) {
                    first = i;
                }
            }
        }
        return new Comparison(maxAbs, maxRel, bad, first, tolerance);
    }
}
