package io.attnkit.sim.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PassMapTest {

    /** A done trail over items {@code start .. end}, begun at {@code begin}, at {@code rate} items per cycle. */
    static Trail done(double start, double end, double begin, double rate) {
        Trail t = new Trail(0, 0, start, end, 16384, false, begin, null);
        t.rate = rate;
        t.endTime = begin + (end - start) / rate;
        return t;
    }

    /**
     * A passes item x at time x; B passes 40..60 ten cycles after A; C, four times faster from
     * time 20, passes x at 20 + x/4: later than A below x = 80/3, earlier above.
     */
    static PassMap threeTrails(double dramOfC) {
        PassMap map = new PassMap();
        map.add(done(0, 100, 0, 1), 0);
        map.add(done(40, 60, 50, 1), 0);
        map.add(done(0, 100, 20, 4), dramOfC);
        return map;
    }

    @Test
    void eachItemBelongsToTheTrailThatPassedItLast() {
        PassMap map = threeTrails(0);
        assertEquals(22.5, map.passAt(10), 1e-9); // C
        assertEquals(30, map.passAt(30), 1e-9); // A
        assertEquals(60, map.passAt(50), 1e-9); // B
        assertEquals(80, map.passAt(80), 1e-9); // A
        assertEquals(Double.NEGATIVE_INFINITY, map.passAt(100));
        assertEquals(Double.NEGATIVE_INFINITY, map.passAt(-1));
        assertEquals(4, map.size());
        // Where C's pass times cross A's, found by bisection.
        assertEquals(80.0 / 3, map.edgeAbove(10, true, Double.NaN, 0), 1e-9);
        // Not following the stretch's trail, only a later start counts: B's, from item 40.
        assertEquals(40, map.edgeAbove(30, false, 30, 1), 1e-9);
        assertEquals(Double.POSITIVE_INFINITY, map.edgeAbove(30, false, 1000, 1));
    }

    @Test
    void aTrailPassingEverythingLaterJoinsTheMapIntoOneStretch() {
        PassMap map = threeTrails(0);
        map.add(done(0, 100, 1000, 1), 0);
        assertEquals(1, map.size());
        assertEquals(1050, map.passAt(50), 1e-9);
    }

    @Test
    void stretchesOlderThanTheDeadDistanceAreForgotten() {
        PassMap map = threeTrails(100);
        map.forgetOlderThan(150, 100);
        assertEquals(22.5, map.passAt(10), 1e-9); // C's, at 100 bytes, stays
        assertEquals(Double.NEGATIVE_INFINITY, map.passAt(30)); // A's, at 0, is gone
        assertEquals(1, map.size());
    }

    @Test
    void forgettingLooksAgainOnceTheOldestStretchIsOldEnough() {
        PassMap map = threeTrails(100);
        map.forgetOlderThan(90, 100); // nothing is 100 bytes old yet
        assertEquals(4, map.size());
        map.forgetOlderThan(150, 100); // A and B's (at 0) are
        assertEquals(1, map.size());
        map.forgetOlderThan(200, 100); // C's (at 100) is not
        assertEquals(1, map.size());
        map.forgetOlderThan(201, 100);
        assertEquals(0, map.size());
        map.add(done(0, 10, 500, 1), 300); // the bound follows what is added after all were forgotten
        map.forgetOlderThan(399, 100);
        assertEquals(1, map.size());
        map.forgetOlderThan(401, 100);
        assertEquals(0, map.size());
    }

    @Test
    void theGeometryListsTheStretchesHighestFirstAndFollowsEveryChange() {
        PassMap map = threeTrails(100);
        assertGeometryMatches(map);
        double[] before = map.geometry();
        assertSame(before, map.geometry(), "unchanged: the same array");
        map.add(done(90, 120, 2000, 1), 100);
        assertGeometryMatches(map);
        map.forgetOlderThan(150, 100);
        assertGeometryMatches(map);
        map.forgetOlderThan(10_000, 100);
        assertEquals(0, map.geometry().length);
    }

    private static void assertGeometryMatches(PassMap map) {
        double[] g = map.geometry();
        assertEquals(map.size() * PassMap.GEOMETRY_STRIDE, g.length);
        int i = 0;
        for (PassMap.Ramp r : map.descending()) {
            double[] expected = {r.lo(), r.hi(), r.end(), r.rate(), r.endTime(), r.bytes()};
            for (int k = 0; k < expected.length; k++) {
                assertEquals(expected[k], g[i + k], "stretch from " + r.lo() + ", field " + k);
            }
            i += PassMap.GEOMETRY_STRIDE;
        }
        for (int k = PassMap.GEOMETRY_STRIDE; k < g.length; k += PassMap.GEOMETRY_STRIDE) {
            assertTrue(g[k + 1] <= g[k - PassMap.GEOMETRY_STRIDE], "highest first");
        }
    }
}
