package io.attnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** attnkit validate --measured: PyTorch timings from a GPU at hand against the simulator. */
class ValidateCommandTest {
    @TempDir
    Path dir;

    @Test
    void measuredTimingsAreSetBesideThePrediction() throws IOException {
        Path grid = dir.resolve("torch.jsonl");
        Files.writeString(grid, """
                {"kind": "device", "device": "NVIDIA H200", "sms": 132}
                {"kind": "matmul_bf16", "n": 8192, "ms": 1.4, "reps": 20, "tflop_per_s": 785.4}
                {"kind": "attention", "impl": "flash", "dtype": "bf16", "batch": 1, "heads": 4, "n": 777, "d": 128, "causal": true, "pass": "fwd", "ms": 0.05, "reps": 30}
                {"kind": "attention", "impl": "standard", "dtype": "f16", "batch": 1, "heads": 2, "n": 640, "d": 64, "causal": false, "pass": "bwd", "ms": 0.2, "reps": 30}
                """);
        CliRunner r = CliRunner.run("validate", "--measured", grid.toString(), "--target", "h200");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("### Measured on NVIDIA H200 (" + grid + "), predicted for h200"), r.out());
        assertTrue(r.out().contains("bf16 8192^3 matrix product: 785 TFLOP/s measured."), r.out());
        assertTrue(r.out().contains("| FA2 d128 causal N=777 bf16 | 1 x 4 |"), r.out());
        assertTrue(r.out().contains("| standard bwd d64 dense N=640 f16 | 1 x 2 |"), r.out());
        assertTrue(r.out().contains("FlashAttention-2 forward: mean absolute error"), r.out());
    }

    @Test
    void badInputIsOneLine() throws IOException {
        Path grid = dir.resolve("torch.jsonl");
        Files.writeString(grid, "{\"kind\": \"attention\", \"impl\": \"flex\"}\n");
        CliRunner bad = CliRunner.run("validate", "--measured", grid.toString());
        assertEquals(1, bad.exitCode());
        assertEquals("attnkit: error: " + grid + ":1: impl 'flex' is neither flash nor standard", bad.err().strip());
        CliRunner cpu = CliRunner.run("validate", "--measured", grid.toString(), "--target", "host-epyc-2c");
        assertEquals(2, cpu.exitCode());
        assertEquals("attnkit: error: no GPU target 'host-epyc-2c'; see 'attnkit targets'", cpu.err().strip());
        CliRunner missing = CliRunner.run("validate", "--measured", dir.resolve("none.jsonl").toString());
        assertEquals(1, missing.exitCode());
        assertEquals(1, missing.err().lines().count(), missing.err());
    }
}
