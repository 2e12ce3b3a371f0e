package io.attnkit.sim.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The set against a tree map, through the moves between one stretch and many and back to none. */
class RampSetTest {

    private static PassMap.Ramp ramp(double lo, double dram) {
        return new PassMap.Ramp(lo, lo + 0.5, 0, 1, lo + 0.5, 1, 64, dram);
    }

    @Test
    void answersAsATreeMapKeyedByLowerEnd() {
        Random random = new Random(5);
        for (int round = 0; round < 200; round++) {
            RampSet set = new RampSet();
            TreeMap<Double, PassMap.Ramp> reference = new TreeMap<>();
            for (int op = 0; op < 40; op++) {
                double lo = random.nextInt(8);
                switch (random.nextInt(4)) {
                    case 0, 1 -> {
                        PassMap.Ramp r = ramp(lo, random.nextInt(100));
                        set.put(r);
                        reference.put(lo, r);
                    }
                    case 2 -> {
                        set.remove(lo);
                        reference.remove(lo);
                    }
                    default -> {
                        double cut = random.nextInt(100);
                        assertEquals(reference.values().removeIf(r -> r.dramAtEnd() < cut), set.removeIf(r -> r.dramAtEnd() < cut));
                    }
                }
                double x = random.nextInt(9) - 0.5 * random.nextInt(2);
                assertEquals(value(reference.floorEntry(x)), set.floor(x), "floor " + x);
                assertEquals(value(reference.ceilingEntry(x)), set.ceiling(x), "ceiling " + x);
                assertEquals(value(reference.higherEntry(x)), set.higher(x), "higher " + x);
                assertEquals(value(reference.lowerEntry(x)), set.lower(x), "lower " + x);
                assertEquals(new ArrayList<>(reference.subMap(x, true, x + 3, false).values()), set.between(x, x + 3));
                List<PassMap.Ramp> all = new ArrayList<>();
                set.forEach(all::add);
                assertEquals(new ArrayList<>(reference.values()), all);
                assertEquals(reference.size(), set.size());
                assertEquals(reference.isEmpty(), set.isEmpty());
            }
        }
    }

    private static PassMap.Ramp value(Map.Entry<Double, PassMap.Ramp> e) {
        return e == null ? null : e.getValue();
    }
}
