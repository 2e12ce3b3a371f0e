package io.attnkit.sim.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AgeingQueueTest {

    @Test
    void givesTheObjectsBackOldestFirstThroughGrowthAndInterleavedRemovals() {
        Random random = new Random(3);
        AgeingQueue queue = new AgeingQueue();
        List<double[]> held = new ArrayList<>(); // {dram, object}
        for (int i = 0; i < 5_000; i++) {
            if (held.isEmpty() || random.nextInt(3) > 0) {
                double dram = random.nextInt(1_000); // ties included
                queue.add(i, dram);
                held.add(new double[] {dram, i});
            } else {
                held.sort(Comparator.comparingDouble(e -> e[0]));
                double least = held.getFirst()[0];
                assertEquals(least, queue.firstDram());
                int object = queue.removeFirst();
                assertTrue(held.removeIf(e -> e[1] == object && e[0] == least), "the object removed held the least count");
            }
        }
        while (!held.isEmpty()) {
            held.sort(Comparator.comparingDouble(e -> e[0]));
            assertEquals(held.removeFirst()[0], queue.firstDram());
            queue.removeFirst();
        }
        assertTrue(queue.isEmpty());
    }
}
