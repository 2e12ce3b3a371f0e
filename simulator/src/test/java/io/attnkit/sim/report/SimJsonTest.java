package io.attnkit.sim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.sim.Fixtures;
import io.attnkit.sim.Schedule;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.Simulator;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SimJsonTest {
    /** METRICS decides which of a profile's units must be understood: it must name exactly what the JSON writes. */
    @Test
    void metricsNamesEveryCounterTheJsonWrites() {
        KernelSpec k = Fixtures.kernel("kernel k { shape batch 1, heads 4, q_len 500, head_dim 64; dtype f16; "
                + "tile q 64, kv 64, stages 2, warps 4; mask causal; }");
        Set<String> written = new TreeSet<>();
        for (Schedule schedule : new Schedule[] {Schedule.FLASH, Schedule.STANDARD}) {
            JsonNode tree = SimJson.tree(SimJson.mapper(), Simulator.simulate(k, Fixtures.target("h200"), BlockMap.of(k),
                    SimOptions.defaults().withSchedule(schedule)));
            tree.path("metrics").fieldNames().forEachRemaining(written::add);
            tree.path("launches").forEach(l -> l.path("metrics").fieldNames().forEachRemaining(written::add));
        }
        assertEquals(new TreeSet<>(SimJson.METRICS), written);
    }
}
