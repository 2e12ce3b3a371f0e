package io.attnkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.gpu.LaunchStats;
import io.attnkit.sim.report.SimJson;
import io.attnkit.sim.report.SimText;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What a report says sets the time: each unit's share of its peak, and the busiest one. */
class UtilizationTest {
    private static final TargetSpec H100 = Fixtures.target("h100-sxm");

    private static SimResult simulate(String kernel, TargetSpec target, SimOptions options) {
        KernelSpec k = Fixtures.kernel(kernel);
        return Simulator.simulate(k, target, BlockMap.of(k), options);
    }

    @Test
    void fusedAttentionAtLengthIsBoundByTheTensorPipe() {
        SimResult r = simulate("kernel k { shape batch 2, heads 16, q_len 8192, head_dim 128; dtype bf16; "
                + "tile q 128, kv 64, stages 2, warps 4; }", H100, SimOptions.defaults());
        Utilization u = r.utilization();
        assertEquals("tensor", u.boundBy(false));
        assertTrue(u.tensor() > 0.6 && u.dram() < 0.1, u.toString());
        assertTrue(u.smBusy() > 0.9, u.toString());
    }

    @Test
    void unfusedAttentionIsBoundByHbmAndItsSoftmaxRunsNearTheSustainedBandwidth() {
        SimResult r = simulate("kernel k { shape batch 2, heads 16, q_len 4096, head_dim 128; dtype bf16; "
                + "tile q 128, kv 64, stages 2, warps 4; }", H100, SimOptions.defaults().withSchedule(Schedule.STANDARD));
        assertEquals("hbm", r.utilization().boundBy(false));
        LaunchStats softmax = r.launches().stream().filter(l -> l.name().equals("softmax")).findFirst().orElseThrow();
        double dram = r.utilization(softmax).dram();
        // The model streams at 90% of the datasheet bandwidth; the softmax does little else.
        assertTrue(dram > 0.8 && dram <= 0.9 + 1e-9, "softmax at " + dram + " of the HBM peak");
    }

    @Test
    void aGridSmallerThanTheMachineIsLatencyBoundWithMostSmsIdle() {
        // Eight CTAs on 132 SMs.
        SimResult r = simulate("kernel k { shape batch 1, heads 2, q_len 200, head_dim 64; dtype f16; "
                + "tile q 64, kv 64, stages 2, warps 4; mask causal; }", H100, SimOptions.defaults());
        Utilization u = r.utilization();
        assertTrue(u.latencyBound(), u.toString());
        assertEquals("latency", u.boundBy(false));
        assertTrue(u.smBusy() < 8.0 / 132, u.toString());
    }

    @Test
    void everyShareIsAFractionOfItsPeakOnRandomKernels() {
        Random random = new Random(7);
        String[] targets = {"a100-40gb", "h100-sxm", "h200", "host-zen5-2c"};
        for (int i = 0; i < 24; i++) {
            int heads = 1 + random.nextInt(8);
            int q = 1 + random.nextInt(i % 3 == 0 ? 16 : 700);
            int kv = q + random.nextInt(900);
            int doc = 1 + random.nextInt(kv);
            String[] masks = {"", "mask causal;", "mask window(37) | sink(5);",
                "mask document(" + doc + (doc < kv ? ", " + (kv - doc) : "") + ");"};
            String mask = masks[random.nextInt(masks.length)];
            if (mask.contains("document")) {
                q = kv; // documents pack queries and keys alike
            }
            TargetSpec target = Fixtures.target(targets[random.nextInt(targets.length)]);
            boolean cpu = target.kind() == TargetSpec.Kind.CPU;
            // f32 on the CPU, whose kernel computes in it; a 16-bit type on GPUs, whose backward tiles would not fit in f32
            String kernel = "kernel k { shape batch " + (1 + random.nextInt(3)) + ", heads " + heads + ", q_len " + q
                    + ", kv_len " + kv + ", head_dim " + (random.nextBoolean() ? 64 : 128) + "; dtype "
                    + (cpu ? "f32" : "bf16") + "; tile q 64, kv 64, stages 2, warps 4; " + mask + " }";
            SimOptions options = SimOptions.defaults();
            if (!cpu) {
                Schedule schedule = Schedule.values()[random.nextInt(Schedule.values().length)];
                boolean both = random.nextBoolean();
                if (schedule == Schedule.FLASH3 && !target.arch().equals("sm_90")) {
                    schedule = Schedule.FLASH; // FlashAttention-3 needs Hopper's wgmma
                }
                options = options.withSchedule(schedule).withPass(both && schedule != Schedule.FLASH3 ? Pass.FWD_BWD : Pass.FWD);
                if (schedule == Schedule.FLASH1) {
                    kernel = kernel.replace("tile q 64,", "tile q 16,"); // FlashAttention-1's height: its backward fits at d 128
                }
            }
            SimResult r = simulate(kernel, target, options);
            String where = kernel + " on " + target.name() + " " + options.schedule() + " " + options.pass();
            for (Utilization u : allOf(r)) {
                for (Utilization.Share s : u.shares(cpu)) {
                    assertTrue(s.fraction() >= 0 && s.fraction() <= 1 + 1e-9, where + ": " + s);
                }
                assertTrue(u.dram() <= 0.9 + 1e-9, where + ": DRAM above the sustained bandwidth: " + u);
                assertTrue(u.smBusy() >= 0 && u.smBusy() <= 1 + 1e-9, where + ": " + u);
                assertFalse(Double.isNaN(u.l2()), where + ": every built-in target gives its L2 bandwidth");
            }
        }
    }

    @Test
    void aLaunchOnASlowHbmMovesNoMoreThanItsBusCarries() {
        // Every CTA waits on DRAM, so those that ride on another's fetches overtake it and find
        // fresh items "in" the L2: charged to the bytes only, they made the HBM 137% busy.
        TargetSpec slow = Fixtures.program("target slow extends h100-sxm { hbm 80 GiB, 1 MB/s; }").target("slow").orElseThrow();
        Random random = new Random(11);
        for (int i = 0; i < 12; i++) {
            int kvHeads = 1 + random.nextInt(4);
            int q = 1 + random.nextInt(i % 3 == 0 ? 16 : 400);
            String kernel = "kernel k { shape batch " + (1 + random.nextInt(4)) + ", heads " + kvHeads * (1 + random.nextInt(3))
                    + ", kv_heads " + kvHeads + ", q_len " + q + ", kv_len " + (q + random.nextInt(500)) + ", head_dim 64; "
                    + "dtype bf16; tile q 64, kv 64, stages 2, warps 4; " + (random.nextBoolean() ? "mask causal; " : "") + "}";
            for (Utilization u : allOf(simulate(kernel, slow, SimOptions.defaults()))) {
                assertTrue(u.dram() <= 0.9 + 1e-9, kernel + ": DRAM above the sustained bandwidth: " + u);
            }
        }
    }

    private static List<Utilization> allOf(SimResult r) {
        List<Utilization> all = new java.util.ArrayList<>();
        all.add(r.utilization());
        r.launches().forEach(l -> all.add(r.utilization(l)));
        return all;
    }

    @Test
    void reportsNameTheBoundAndJsonCarriesNsightsThroughputMetrics() throws Exception {
        SimResult r = simulate("kernel k { shape batch 2, heads 16, q_len 4096, head_dim 128; dtype bf16; "
                + "tile q 128, kv 64, stages 2, warps 4; }", H100, SimOptions.defaults().withSchedule(Schedule.STANDARD));
        String text = SimText.format(r);
        assertTrue(text.contains("bound by     HBM; SMs busy"), text);
        assertTrue(text.contains("of peak      HBM "), text);
        JsonNode json = new ObjectMapper().readTree(SimJson.toJson(r));
        assertEquals("hbm", json.at("/summary/bound_by").asText());
        assertEquals(6, json.at("/summary/pct_of_peak_by_unit").size());
        double dram = json.at("/metrics/dram__throughput.avg.pct_of_peak_sustained_elapsed").asDouble();
        assertEquals(100 * r.utilization().dram(), dram, 1e-9);
        for (JsonNode launch : json.get("launches")) {
            assertTrue(launch.at("/metrics/lts__t_bytes.sum.pct_of_peak_sustained_elapsed").isNumber(), launch.toString());
        }
    }

    /** With no L2 reads there is no hit rate to print: n/a, not 0.0%. */
    @Test
    void hitRatesWithoutLookupsReadNotApplicable() throws ReflectiveOperationException {
        SimResult r = simulate("kernel k { shape heads 2, q_len 256, head_dim 64; dtype bf16; tile q 64, kv 64, stages 2; }",
                H100, SimOptions.defaults());
        var components = SimResult.class.getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            values[i] = components[i].getAccessor().invoke(r);
            if (components[i].getName().startsWith("l2")) { // no L2 traffic at all
                values[i] = types[i] == long.class ? (Object) 0L : types[i] == double.class ? (Object) 0.0 : values[i];
            }
        }
        String text = SimText.format(SimResult.class.getDeclaredConstructor(types).newInstance(values));
        assertTrue(text.contains("hit rate n/a (reads n/a)"), text);
    }
}
