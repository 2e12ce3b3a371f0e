package io.attnkit.sim.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.sim.Fixtures;
import io.attnkit.sim.Schedule;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.SimResult;
import io.attnkit.sim.Simulator;
import io.attnkit.sim.report.SimJson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The simulation beside a measured profile: totals where they add up, launch figures where launches pair. */
class ProfileComparisonTest {
    private static JsonNode simulate(String kernel, SimOptions options) {
        KernelSpec k = Fixtures.kernel(kernel);
        SimResult r = Simulator.simulate(k, Fixtures.target("h200"), BlockMap.of(k), options);
        return SimJson.tree(SimJson.mapper(), r);
    }

    @Test
    void oneLaunchAgainstOneLaunchComparesEveryCommonMetric() {
        Random random = new Random(7);
        int n = 300 + random.nextInt(700);
        JsonNode sim = simulate("kernel k { shape batch 2, heads 4, q_len " + n + ", head_dim 64; dtype f16; "
                + "tile q 128, kv 64, stages 2, warps 4; mask causal; }", SimOptions.defaults());
        JsonNode launch = sim.path("launches").get(0).path("metrics");
        // a measurement 25% above every simulated figure, and a metric the simulator does not have
        Map<String, Double> metrics = new LinkedHashMap<>();
        launch.fieldNames().forEachRemaining(m -> metrics.put(m, launch.get(m).asDouble() * 1.25));
        metrics.put("smsp__inst_executed.sum", 1e9);
        ProfileComparison c = ProfileComparison.of(sim, new NcuProfile("p", List.of(new NcuProfile.Launch("0", "attn", metrics))));
        assertEquals(launch.size(), c.rows().size(), "every simulated launch metric, nothing else");
        for (ProfileComparison.Row row : c.rows()) {
            if (row.measured() != 0) {
                assertEquals(-0.2, row.error(), 1e-9, row.metric());
            }
        }
        assertTrue(c.rows().stream().anyMatch(r -> r.metric().equals("launch__grid_size")));
        String text = c.format("p.csv");
        assertTrue(text.contains("p.csv: 1 kernel launch (simulated: 1)"), text);
        assertTrue(text.contains("-20.0%"), text);
    }

    @Test
    void aSimulatedRateOfNothingIsNotComparedAsZero() {
        JsonNode sim = simulate("kernel k { shape batch 1, heads 2, q_len 333, head_dim 64; dtype f16; "
                + "tile q 64, kv 64, stages 2, warps 4; }", SimOptions.defaults());
        var launch = (com.fasterxml.jackson.databind.node.ObjectNode) sim.path("launches").get(0).path("metrics");
        launch.putNull("lts__t_sector_hit_rate.pct"); // as SimJson writes a rate where nothing was looked up
        Map<String, Double> metrics = Map.of("lts__t_sector_hit_rate.pct", 97.5, "dram__bytes_write.sum", 1e5);
        ProfileComparison c = ProfileComparison.of(sim, new NcuProfile("p", List.of(new NcuProfile.Launch("0", "attn", metrics))));
        assertEquals(List.of("dram__bytes_write.sum"), c.rows().stream().map(ProfileComparison.Row::metric).toList());
    }

    @Test
    void severalLaunchesAreComparedAsTotalsOfWhatAddsUp() {
        // the standard schedule: several launches; the measurement: PyTorch's kernels, split differently
        JsonNode sim = simulate("kernel k { shape batch 1, heads 8, q_len 777, head_dim 64; dtype bf16; "
                + "tile q 128, kv 64, stages 2, warps 4; }", SimOptions.defaults().withSchedule(Schedule.STANDARD));
        assertTrue(sim.path("launches").size() > 1);
        double read = sim.path("metrics").get("dram__bytes_read.sum").asDouble();
        double time = sim.path("metrics").get("gpu__time_duration.sum").asDouble();
        List<NcuProfile.Launch> measured = new ArrayList<>();
        for (int i = 0; i < 5; i++) { // five kernels that together read twice the simulated bytes
            measured.add(new NcuProfile.Launch(String.valueOf(i), "k" + i, Map.of("dram__bytes_read.sum", 2 * read / 5,
                    "gpu__time_duration.sum", time / 5, "lts__t_sector_hit_rate.pct", 50.0)));
        }
        measured.add(new NcuProfile.Launch("5", "no_time", Map.of("dram__bytes_read.sum", 0.0)));
        ProfileComparison c = ProfileComparison.of(sim, new NcuProfile("p", measured));
        assertEquals(List.of("dram__bytes_read.sum"), c.rows().stream().map(ProfileComparison.Row::metric).toList(),
                "time is missing from one launch, a hit rate does not add up");
        assertEquals(-0.5, c.rows().getFirst().error(), 1e-9);
        assertEquals(List.of("gpu__time_duration.sum"), c.unmeasured(),
                "measured in five launches and absent from the sixth: said to be not measured, not passed over");
        assertTrue(c.format("p").contains("not measured (no number in the profile): gpu__time_duration.sum"), c.format("p"));
    }
    /** Active cycles add up over launches run one after another, like elapsed ones: compared as a total. */
    @Test
    void activeCyclesAreTotalledOverLaunchesAndCompared() {
        JsonNode sim = simulate("kernel k { shape batch 1, heads 8, q_len 777, head_dim 64; dtype bf16; "
                + "tile q 128, kv 64, stages 2, warps 4; }", SimOptions.defaults().withSchedule(Schedule.STANDARD));
        JsonNode launches = sim.path("launches");
        assertTrue(launches.size() > 1);
        double active = 0;
        double elapsed = 0;
        for (JsonNode l : launches) {
            active += l.path("metrics").get("sm__cycles_active.avg").asDouble();
            elapsed += l.path("metrics").get("sm__cycles_elapsed.avg").asDouble();
        }
        assertEquals(active, sim.path("metrics").path("sm__cycles_active.avg").asDouble(), 1e-6 * active);
        assertEquals(elapsed, sim.path("metrics").path("sm__cycles_elapsed.avg").asDouble(), 1e-6 * elapsed);
        List<NcuProfile.Launch> measured = List.of(new NcuProfile.Launch("0", "a", Map.of("sm__cycles_active.avg", active)),
                new NcuProfile.Launch("1", "b", Map.of("sm__cycles_active.avg", active)));
        ProfileComparison c = ProfileComparison.of(sim, new NcuProfile("p", measured));
        assertEquals(List.of("sm__cycles_active.avg"), c.rows().stream().map(ProfileComparison.Row::metric).toList());
        assertEquals(-0.5, c.rows().getFirst().error(), 1e-9);
    }
    /** As many launches on each side: besides the totals, launch i faces launch i with every figure, rates included. */
    @Test
    void launchesPairInOrderWhenTheCountsAgree() {
        JsonNode sim = simulate("kernel k { shape batch 1, heads 4, q_len 640, head_dim 64; dtype bf16; "
                + "tile q 128, kv 64, stages 2, warps 4; mask causal; }", SimOptions.defaults().withSchedule(Schedule.STANDARD));
        JsonNode launches = sim.path("launches");
        int n = launches.size();
        assertTrue(n > 1);
        List<NcuProfile.Launch> measured = new ArrayList<>();
        for (int i = 0; i < n; i++) { // launch i measured at (i + 2) / (i + 1) of every simulated figure
            JsonNode m = launches.get(i).path("metrics");
            double factor = (i + 2.0) / (i + 1);
            Map<String, Double> metrics = new LinkedHashMap<>();
            m.fieldNames().forEachRemaining(f -> metrics.put(f, m.get(f).asDouble() * factor));
            metrics.remove("sm__warps_active.avg.pct_of_peak_sustained_active");
            measured.add(new NcuProfile.Launch(String.valueOf(10 + i), "kernel_" + i, metrics,
                    i == 1 ? java.util.Set.of("sm__warps_active.avg.pct_of_peak_sustained_active") : java.util.Set.of()));
        }
        ProfileComparison c = ProfileComparison.of(sim, new NcuProfile("p", measured));
        assertTrue(c.rows().stream().allMatch(r -> ProfileComparison.additive(r.metric())), "totals: what adds up");
        assertTrue(c.rows().stream().anyMatch(r -> r.metric().equals("dram__bytes_read.sum")));
        assertEquals(n, c.launches().size());
        for (int i = 0; i < n; i++) {
            ProfileComparison.LaunchPair pair = c.launches().get(i);
            assertEquals(i + 1, pair.number());
            assertEquals(launches.get(i).path("name").asText(), pair.simulated());
            assertEquals("kernel_" + i, pair.measured());
            assertEquals(String.valueOf(10 + i), pair.measuredId());
            assertTrue(pair.rows().stream().anyMatch(r -> r.metric().equals("lts__t_sector_hit_rate.pct")), "rates too");
            assertTrue(pair.rows().stream().anyMatch(r -> r.metric().equals("launch__grid_size")), "launch figures too");
            for (ProfileComparison.Row r : pair.rows()) {
                if (r.measured() != 0) {
                    assertEquals((i + 1.0) / (i + 2) - 1, r.error(), 1e-9, pair.simulated() + " " + r.metric());
                }
            }
            assertEquals(i == 1 ? List.of("sm__warps_active.avg.pct_of_peak_sustained_active") : List.of(), pair.unmeasured());
        }
        String text = c.format("p.csv");
        assertTrue(text.contains("\n  launch 2: simulated " + launches.get(1).path("name").asText() + ", measured kernel_1 (ID 11)\n"),
                text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("    launch__grid_size ") && l.endsWith("-50.0%")), text);
        assertFalse(text.contains("not compared"), text);

        // one launch fewer: totals only, and a line that says why the rest is not compared
        ProfileComparison fewer = ProfileComparison.of(sim, new NcuProfile("p", measured.subList(0, n - 1)));
        assertTrue(fewer.launches().isEmpty());
        assertTrue(fewer.format("p.csv").contains("  per-launch figures (rates, percentages, launch figures) not compared: "
                + "launch counts differ (" + n + " simulated vs " + (n - 1) + " measured)\n"), fewer.format("p.csv"));
    }
}
