package io.attnkit.sim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChromeTraceTest {

    /**
     * The area under the DRAM track, in bytes: {@code samples} totals growing by one byte a cycle
     * at 1 GHz, the last one {@code jump} bytes higher (the engine's exact total at a launch's end).
     */
    private static double dramArea(int samples, double jump) {
        ChromeTrace trace = new ChromeTrace(256, 1e9, false);
        for (int t = 0; t < samples; t++) {
            double total = t + (t == samples - 1 ? jump : 0);
            trace.counters(t, total, total, 0);
        }
        List<JsonNode> bandwidth = new ArrayList<>();
        for (JsonNode e : trace.toJson(new ObjectMapper(), 132).get("traceEvents")) {
            if (e.get("ph").asText().equals("C") && e.get("name").asText().equals("bandwidth")) {
                bandwidth.add(e);
            }
        }
        assertTrue(bandwidth.size() > 1, "counter events: " + bandwidth.size());
        double width = (bandwidth.getLast().get("ts").asDouble() - bandwidth.getFirst().get("ts").asDouble())
                / (bandwidth.size() - 1) * 1e-6;
        double area = 0;
        for (JsonNode e : bandwidth) {
            area += e.get("args").get("DRAM GB/s").asDouble() * 1e9 * width;
        }
        return area;
    }

    @Test
    void thinningTheSamplesKeepsTheFirstAndTheLastTotal() {
        // At the 2048th sample the trace keeps every other one; it used to drop the newest, the
        // run's exact total: here a megabyte charged at the end vanished from the track.
        for (int samples : new int[] {100, 2047, 2048, 2049, 5000}) {
            double expected = samples - 1 + 1e6;
            assertEquals(expected, dramArea(samples, 1e6), 1e-3 * expected, samples + " samples");
        }
    }

    @Test
    void stretchesWhereNothingMovedStayIdleThroughTheThinning() {
        // Launches of 1000 cycles, each after 300 idle cycles (its start), sampled every cycle while
        // busy: the DRAM track must read 0 over every idle stretch, however many samples were thinned.
        ChromeTrace trace = new ChromeTrace(256, 1e9, false);
        double total = 0;
        double t = 0;
        List<double[]> idle = new ArrayList<>();
        for (int launch = 0; launch < 6; launch++) {
            trace.counters(t, total, total, 0);
            idle.add(new double[] {t, t + 300});
            t += 300;
            trace.counters(t, total, total, 0);
            for (int c = 0; c < 1000; c++) {
                t += 1;
                total += 5;
                trace.counters(t, total, total, 0);
            }
        }
        int checked = 0;
        for (JsonNode e : trace.toJson(new ObjectMapper(), 132).get("traceEvents")) {
            if (!(e.get("ph").asText().equals("C") && e.get("name").asText().equals("bandwidth"))) {
                continue;
            }
            double ns = e.get("ts").asDouble() * 1e3;
            for (double[] w : idle) {
                if (ns >= w[0] + 10 && ns < w[1] - 10) { // a bin's width inside the stretch
                    assertEquals(0, e.get("args").get("DRAM GB/s").asDouble(), 1e-9, "at " + ns + " ns");
                    checked++;
                }
            }
        }
        assertTrue(checked > 50, "counter events inside idle stretches: " + checked);
    }
}
