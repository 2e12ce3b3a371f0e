package io.attnkit.sim.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrailsByObjectTest {

    private static List<Trails> visited(TrailsByObject objects) {
        List<Trails> out = new ArrayList<>();
        objects.live().forEach(out::add);
        return out;
    }

    @Test
    void visitsTheObjectsTrailsBeganOnInObjectOrder() {
        TrailsByObject objects = new TrailsByObject(10_000);
        objects.markLive(7_000);
        objects.markLive(3);
        objects.markLive(7_000);
        List<Trails> live = visited(objects);
        assertEquals(2, live.size());
        assertSame(objects.get(3), live.get(0));
        assertSame(objects.get(7_000), live.get(1));
    }

    @Test
    void stopsVisitingAnObjectOnceItsPassesAreForgotten() {
        TrailsByObject objects = new TrailsByObject(5);
        objects.markLive(1);
        objects.markLive(2);
        objects.markLive(4);
        objects.get(1).finish(PassMapTest.done(0, 10, 0, 1), 100); // passed when DRAM had moved 100 bytes
        objects.get(2).finish(PassMapTest.done(0, 10, 0, 1), 900);
        objects.get(4).active.add(PassMapTest.done(0, 10, 0, 1)); // still in flight
        objects.forgetOlderThan(1_000, 500); // forgets passes from before 500 bytes
        List<Trails> live = visited(objects);
        assertEquals(List.of(objects.get(2), objects.get(4)), live);
        objects.forgetOlderThan(10_000, 500);
        assertEquals(List.of(objects.get(4)), visited(objects), "a trail in flight keeps its object");
        objects.markLive(1);
        assertEquals(List.of(objects.get(1), objects.get(4)), visited(objects), "a new trail brings an object back");
    }
}
