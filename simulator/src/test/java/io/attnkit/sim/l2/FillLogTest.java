package io.attnkit.sim.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FillLogTest {
    @Test
    void totalsFollowThePiecewiseRates() {
        FillLog log = new FillLog(1);
        log.rate(0, 100); // a launch fills the L2 at 100 bytes a cycle
        log.rate(10, 0); // stalls
        log.rate(20, 50); // and goes on at half the rate
        assertEquals(0, log.total(-5), 1e-9, "nothing before the first rate");
        assertEquals(500, log.total(5), 1e-9);
        assertEquals(1000, log.total(15), 1e-9);
        assertEquals(1500, log.total(30), 1e-9);
        assertEquals(0, log.rateAt(12), 1e-9);
        assertEquals(50, log.rateAt(25), 1e-9);
        assertEquals(100, log.rateAt(10 - 1e-9), 1e-9);
    }

    @Test
    void smallChangesOfRateCostLittleAndStayWithinTheirTenth() {
        // Rates jittering by 5% every cycle are logged once per resolution bytes, and the total
        // stays within a tenth of the true one.
        FillLog log = new FillLog(1000);
        java.util.Random random = new java.util.Random(7);
        double truth = 0;
        double rate = 100;
        for (int t = 0; t < 10_000; t++) {
            log.rate(t, rate);
            truth += rate;
            rate = 100 * (1 + 0.05 * (2 * random.nextDouble() - 1));
        }
        assertEquals(truth, log.total(10_000), 0.1 * truth);
        assertEquals(truth / 2, log.total(5_000), 0.1 * truth / 2);
    }

    @Test
    void aRateChangedTwiceAtOneTimeKeepsTheLast() {
        FillLog log = new FillLog(1e9);
        log.rate(0, 10);
        log.rate(4, 1000);
        log.rate(4, 20); // the engine rates again at the same instant
        assertEquals(40 + 20 * 6, log.total(10), 1e-9);
    }
}
