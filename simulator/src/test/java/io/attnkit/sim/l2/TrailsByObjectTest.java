package io.attnkit.sim.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrailsByObjectTest {

    private static List<Trails> visited(TrailsByObject objects) {
        List<Trails> out = new ArrayList<>();
        objects.live().forEach(out::add);
        return out;
    }

    /** A trail on {@code object} over items 0 .. 10, begun at {@code begin}, one item per cycle. */
    private static Trail trail(int object, boolean write, double begin) {
        Trail t = new Trail(0, object, 0, 10, 16384, write, begin, null);
        t.rate = 1;
        t.endTime = begin + 10;
        return t;
    }

    @Test
    void visitsTheObjectsTrailsBeganOnInObjectOrder() {
        TrailsByObject objects = new TrailsByObject(10_000);
        objects.begin(trail(7_000, false, 0));
        objects.begin(trail(3, false, 0));
        objects.begin(trail(7_000, false, 5));
        List<Trails> live = visited(objects);
        assertEquals(2, live.size());
        assertSame(objects.get(3), live.get(0));
        assertSame(objects.get(7_000), live.get(1));
        assertEquals(1, objects.get(7_000).active.get(1).slot, "a trail knows its place in its object's list");
    }

    @Test
    void stopsVisitingAnObjectOnceEverythingItHeldIsForgotten() {
        TrailsByObject objects = new TrailsByObject(5);
        for (int o : new int[] {1, 2, 4}) {
            Trail t = trail(o, false, 0);
            objects.begin(t);
            if (o != 4) { // 4 stays in flight
                objects.get(o).active.remove(t);
                objects.get(o).finish(t, o == 1 ? 100 : 900); // when DRAM had moved 100 or 900 bytes
            }
        }
        objects.forgetOlderThan(1_000, 500, o -> true); // forgets what was passed before 500 bytes
        assertEquals(List.of(objects.get(2), objects.get(4)), visited(objects));
        assertNull(objects.peek(1), "an object left with nothing is dropped, its record of touched items too");
        objects.forgetOlderThan(10_000, 500, o -> true);
        assertEquals(List.of(objects.get(4)), visited(objects), "a trail in flight keeps its object");
        objects.begin(trail(1, false, 20));
        assertEquals(List.of(objects.get(1), objects.get(4)), visited(objects), "a new trail brings an object back");
    }

    @Test
    void aWriteThatOutlivesEveryReadKeepsItsObject() {
        TrailsByObject objects = new TrailsByObject(1);
        Trail read = trail(0, false, 100);
        Trail write = trail(0, true, 0);
        objects.begin(read);
        objects.begin(write);
        objects.get(0).active.clear();
        // The read passed every item later, so it owns them all, but it was done earlier in DRAM terms.
        objects.get(0).finish(read, 100);
        objects.get(0).finish(write, 900);
        objects.forgetOlderThan(1_000, 500, o -> true);
        assertTrue(objects.get(0).isEmpty(), "no read pass left");
        assertEquals(5, objects.get(0).latestPass(5, true), 1e-9, "the write passed item 5 at cycle 5, and that is still known");
        assertEquals(List.of(objects.get(0)), visited(objects), "so the object is still visited, and forgets it later");
        objects.forgetOlderThan(10_000, 500, o -> true);
        assertEquals(List.of(), visited(objects));
    }

    @Test
    void anObjectWhosePassesWaitToBeCheckedKeepsItsRecordOfTouchedItems() {
        TrailsByObject objects = new TrailsByObject(3);
        for (int o = 0; o < 3; o++) {
            Trail t = trail(o, false, 0);
            objects.begin(t);
            objects.get(o).active.remove(t);
            objects.get(o).finish(t, 100);
            objects.get(o).touched.add(0, 10);
        }
        objects.forgetOlderThan(10_000, 500, o -> o != 1); // object 1's first touches are not settled yet
        assertNull(objects.peek(0));
        assertNull(objects.peek(2));
        assertTrue(objects.peek(1).touched.covers(0, 10), "kept, with what it touched");
        assertEquals(List.of(objects.get(1)), visited(objects), "and visited again, to be dropped once it may be");
        objects.forgetOlderThan(10_000, 500, o -> true);
        assertNull(objects.peek(1));
        assertEquals(List.of(), visited(objects));
    }

    @Test
    void forgettingDropsExactlyTheObjectsWhosePassesAllAged() {
        // Objects are looked at by their oldest pass only: none that aged may be missed, none still young dropped.
        Random random = new Random(11);
        int n = 300;
        TrailsByObject objects = new TrailsByObject(n);
        double[] latest = new double[n];
        Arrays.fill(latest, Double.NaN); // NaN: never passed, or dropped
        double dram = 0;
        for (int step = 0; step < 3_000; step++) {
            dram += random.nextInt(50);
            if (random.nextInt(10) == 0) {
                double dead = 200 + random.nextInt(400);
                objects.forgetOlderThan(dram, dead, o -> true);
                for (int o = 0; o < n; o++) {
                    boolean aged = dram - latest[o] > dead;
                    if (aged) {
                        latest[o] = Double.NaN;
                    }
                    assertEquals(Double.isNaN(latest[o]), objects.peek(o) == null, "object " + o + " at step " + step);
                }
            } else {
                int o = random.nextInt(n);
                Trail t = trail(o, random.nextBoolean(), step); // each pass covers the same items: the latest replaces the rest
                objects.begin(t);
                objects.get(o).active.remove(t);
                objects.get(o).finish(t, dram);
                latest[o] = dram;
            }
        }
    }
}
