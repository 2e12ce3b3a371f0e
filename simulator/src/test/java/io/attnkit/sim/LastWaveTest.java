package io.attnkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.report.SimJson;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A grid's last CTAs go to the least loaded SMs: CTAs of equal work end within rounding of one
 * another, and that rounding must not stack the leftovers two to an SM (docs/validation.md,
 * "Choices: simultaneous ends").
 */
class LastWaveTest {
    private static final TargetSpec A100 = Fixtures.target("a100-40gb");
    /** FlashAttention-2's forward for d 128: 64 KB of shared memory and 255 registers, two CTAs per A100 SM. */
    private static final SimOptions FA2 = SimOptions.defaults().withResources(new SimOptions.Resources(255, 65536));

    /** A decode step: one CTA per (sequence, query head), each the same work. */
    private static KernelSpec decode(int batch) {
        return FlashSimulationTest.kernel("batch " + batch + ", heads 16, kv_heads 2, q_len 1, kv_len 4096, head_dim 128",
                "q 128, kv 64, stages 1, warps 4", "");
    }

    /** How many CTAs each SM ran, from a trace that samples every CTA. */
    private static Map<Integer, Integer> ctasPerSm(KernelSpec k, int grid) {
        Simulator.Run run = Simulator.run(k, A100, BlockMap.of(k), FA2.withTrace(grid));
        JsonNode trace = run.trace().orElseThrow().toJson(new ObjectMapper(), A100.units());
        Map<Integer, Set<String>> seen = new HashMap<>();
        for (JsonNode e : trace.get("traceEvents")) {
            if (e.path("ph").asText().equals("X")) {
                seen.computeIfAbsent(e.get("pid").asInt(), x -> new HashSet<>()).add(e.get("args").get("cta").asText());
            }
        }
        Map<Integer, Integer> counts = new HashMap<>();
        seen.forEach((sm, ctas) -> counts.put(sm, ctas.size()));
        assertEquals(grid, counts.values().stream().mapToInt(Integer::intValue).sum(), "every CTA traced once");
        return counts;
    }

    @Test
    void theLeftoversOfAWaveAndAFifthGoOnePerSm() {
        // 256 CTAs for 108 SMs x 2 slots: 40 left over after the first wave.
        Map<Integer, Integer> counts = ctasPerSm(decode(16), 256);
        assertEquals(108, counts.size());
        assertEquals(3, counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow(), counts.toString());
        assertEquals(40, counts.values().stream().filter(c -> c == 3).count(), counts.toString());
    }

    @Test
    void aBalancedTailCostsAboutOneCtaMoreThanAFullWave() {
        // The 40 leftovers run alone on their SMs: about half the time of a pair, not a pair's.
        SimResult oneWave = Simulator.simulate(decode(8), A100, BlockMap.of(decode(8)), FA2); // 128 CTAs, pairs on 20 SMs
        KernelSpec k = decode(16);
        SimResult tail = Simulator.simulate(k, A100, BlockMap.of(k), FA2);
        double ratio = tail.seconds() / oneWave.seconds();
        assertTrue(ratio > 1.35 && ratio < 1.65, "a wave and a fifth over one wave: " + ratio);
        assertEquals(SimJson.toJson(tail), SimJson.toJson(Simulator.simulate(k, A100, BlockMap.of(k), FA2)), "deterministic");
    }
}
