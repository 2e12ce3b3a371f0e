package io.attnkit.sim.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HitCurveTest {
    private final HitCurve curve = new HitCurve(40L << 20, 16);

    @Test
    void survivesShortDistancesAndNotLongOnes() {
        assertEquals(1, curve.hit(0));
        assertTrue(curve.hit(10L << 20) > 0.999);
        assertTrue(curve.hit(100L << 20) < 1e-3);
        assertTrue(curve.safeDistance() > 0 && curve.safeDistance() < 40L << 20);
        assertTrue(curve.deadDistance() > 40L << 20);
    }

    @Test
    void atTheCapacityAboutHalfTheLinesSurvive() {
        // Poisson(16) <= 15 is 0.467.
        assertEquals(0.467, curve.hit(40L << 20), 0.01);
    }

    @Test
    void decreasesWithDistance() {
        double last = 1;
        for (long d = 0; d < 160L << 20; d += 1 << 20) {
            double h = curve.hit(d);
            assertTrue(h <= last + 1e-12);
            last = h;
        }
    }

    @Test
    void matchesTheExactCacheOnRandomLines() {
        // Touch a line, then D distinct random other bytes, then the line again: the hit rate over
        // many trials is the curve's probability.
        SetAssociativeLru cache = new SetAssociativeLru(1 << 20, 16, 128);
        HitCurve small = new HitCurve(1 << 20, 16);
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (double fill : new double[] {0.6, 1.0, 1.4}) {
            int hits = 0;
            int trials = 400;
            long distinct = (long) (fill * (1 << 20)) / 128;
            for (int t = 0; t < trials; t++) {
                long probe = (r.nextLong(1L << 40)) & ~127L;
                cache.read(probe, 128);
                for (long i = 0; i < distinct; i++) {
                    cache.read((r.nextLong(1L << 40)) & ~127L, 128);
                }
                hits += cache.read(probe, 128) == 128 ? 1 : 0;
            }
            assertEquals(small.hit(fill * (1 << 20)), hits / (double) trials, 0.08, "fill " + fill);
        }
    }
}
