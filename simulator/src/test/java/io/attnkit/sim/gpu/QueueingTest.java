package io.attnkit.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QueueingTest {
    @Test
    void oneCustomerRunsItsPhasesInSeries() {
        assertEquals(1 / (100.0 + 40 + 10), Queueing.throughput(100, 40, 10, 1), 1e-15);
    }

    @Test
    void manyCustomersSaturateTheSlowerQueue() {
        double x = Queueing.throughput(100, 40, 10, 64);
        assertEquals(1 / 100.0, x, 1e-6);
        assertTrue(Queueing.throughput(100, 40, 10, 2) > Queueing.throughput(100, 40, 10, 1));
    }

    @Test
    void twoCustomersOverlapTheirPhases() {
        // Two customers alternating between equal phases keep both queues busy most of the time.
        double x = Queueing.throughput(50, 50, 0, 2);
        assertTrue(x > 1 / 100.0 * 1.3 && x <= 1 / 50.0, "throughput " + x);
    }
}
