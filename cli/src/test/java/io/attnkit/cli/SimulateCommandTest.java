package io.attnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulateCommandTest {
    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        Path p = dir.resolve("k.attn");
        Files.writeString(p, text);
        return p;
    }

    private static final String CAUSAL = """
            kernel prefill {
              shape heads 8, kv_heads 2, q_len 2000, head_dim 64;
              dtype bf16;
              tile q 128, kv 64, stages 2;
              mask causal;
              target h100-sxm;
            }
            """;

    @Test
    void printsTimeThroughputTrafficAndOccupancy() throws IOException {
        CliRunner r = CliRunner.run("simulate", file(CAUSAL).toString());
        assertEquals(0, r.exitCode(), r.err());
        for (String expected : new String[] {"kernel prefill on h100-sxm", "time", "TFLOP/s", "HBM", "L2", "tensor",
                "occupancy"}) {
            assertTrue(r.out().contains(expected), expected + " in\n" + r.out());
        }
    }

    @Test
    void writesNsightNamedJsonThatIsTheSameEveryTime() throws IOException {
        Path k = file(CAUSAL);
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        assertEquals(0, CliRunner.run("simulate", k.toString(), "--json", a.toString()).exitCode());
        assertEquals(0, CliRunner.run("simulate", k.toString(), "--json", b.toString()).exitCode());
        assertEquals(Files.readString(a), Files.readString(b));
        JsonNode root = new ObjectMapper().readTree(a.toFile());
        JsonNode m = root.get("metrics");
        assertTrue(m.get("dram__bytes_read.sum").asLong() > 0);
        assertTrue(m.get("dram__bytes_write.sum").asLong() > 0);
        assertTrue(m.get("lts__t_bytes.sum").asLong() >= m.get("dram__bytes_read.sum").asLong());
        assertTrue(m.get("sm__cycles_elapsed.avg").asDouble() > 0);
        assertEquals("flash", root.get("schedule").asText());
    }

    @Test
    void writesABoundedChromeTrace() throws IOException {
        Path trace = dir.resolve("t.json");
        CliRunner r = CliRunner.run("simulate", file(CAUSAL).toString(), "--trace", trace.toString(), "--trace-ctas", "10");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode events = new ObjectMapper().readTree(trace.toFile()).get("traceEvents");
        long spans = 0;
        for (JsonNode e : events) {
            if (e.get("ph").asText().equals("X")) {
                spans++;
                assertTrue(e.get("dur").asDouble() >= 0);
            }
        }
        // 10 sampled CTAs of 128, each with a prologue, its runs and an epilogue.
        assertTrue(spans >= 10 && spans <= 10 * 8, "spans " + spans);
    }

    @Test
    void standardScheduleHasThreeLaunches() throws IOException {
        CliRunner r = CliRunner.run("simulate", file(CAUSAL).toString(), "--schedule", "standard");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("launch qk_gemm") && r.out().contains("launch softmax") && r.out().contains("launch pv_gemm"),
                r.out());
    }

    @Test
    void badOptionsAreOneLineUsageErrors() throws IOException {
        Path k = file(CAUSAL);
        CliRunner r = CliRunner.run("simulate", k.toString(), "--schedule", "fast");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown --schedule 'fast'"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        CliRunner cpu = CliRunner.run("simulate", k.toString(), "--target", "host-epyc-2c", "--schedule", "standard");
        assertEquals(2, cpu.exitCode(), cpu.err());
        assertEquals(1, cpu.err().lines().count(), cpu.err());
    }

    @Test
    void aCpuTargetSimulatesTheJavaKernel() throws IOException {
        CliRunner r = CliRunner.run("simulate", file(CAUSAL).toString(), "--target", "host-epyc-2c");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("on host-epyc-2c") && r.out().contains("launch attend"), r.out());
    }

    @Test
    void aKernelWithoutTargetNeedsOne() throws IOException {
        CliRunner r = CliRunner.run("simulate", file(CAUSAL.replace("target h100-sxm;", "")).toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--target"), r.err());
    }

    @Test
    void aCtaThatDoesNotFitIsAnInputError() throws IOException {
        CliRunner r = CliRunner.run("simulate", file(CAUSAL).toString(), "--registers", "255", "--smem", "300000");
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("shared memory"), r.err());
    }
}
