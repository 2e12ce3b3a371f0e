package io.attnkit.sim.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InFlightPointsTest {

    @Test
    void aChunkCountsAllItsBytesWithinItsAgeAndAShareOfThemBeyond() {
        InFlightPoints p = new InFlightPoints();
        p.add(100, 1000); // began 100 cycles ago, 1000 bytes so far: 10 a cycle
        p.add(400, 2000); // 5 a cycle
        assertEquals(0, p.since(0), 1e-9);
        assertEquals(50 * 10 + 50 * 5, p.since(50), 1e-9);
        assertEquals(1000 + 200 * 5, p.since(200), 1e-9);
        assertEquals(3000, p.since(400), 1e-9);
        assertEquals(3000, p.since(1e6), 1e-9, "no chunk counts more than it moved");
    }

    @Test
    void chunksThatMovedNothingOrJustBeganAreLeftOut() {
        InFlightPoints p = new InFlightPoints();
        p.add(0, 500);
        p.add(300, 0);
        assertEquals(0, p.since(1000), 1e-9);
    }

    @Test
    void clearingStartsTheNextSnapshotEmptyHoweverManyChunksCameBefore() {
        SplittableRandom random = new SplittableRandom(7);
        InFlightPoints p = new InFlightPoints();
        double total = 0;
        for (int k = 0; k < 1000; k++) { // past the initial capacity
            double bytes = random.nextDouble(1, 1e5);
            p.add(random.nextDouble(1, 1e4), bytes);
            total += bytes;
        }
        assertEquals(total, p.since(1e4), 1e-6 * total);
        p.clear();
        assertEquals(0, p.since(1e4), 1e-9);
    }
}
