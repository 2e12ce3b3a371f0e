package io.attnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.Simulator;
import io.attnkit.sim.validation.Validation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * attnkit validate --measured: PyTorch timings from a GPU at hand against the simulator; --cpu:
 * the Java backend on this machine against the CPU model.
 */
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
        Files.writeString(grid, "[1,2,3]\n");
        CliRunner array = CliRunner.run("validate", "--measured", grid.toString());
        assertEquals(1, array.exitCode());
        assertEquals("attnkit: error: " + grid + ":1: expected a JSON object, found an array", array.err().strip());
        CliRunner cpu = CliRunner.run("validate", "--measured", grid.toString(), "--target", "host-epyc-2c");
        assertEquals(2, cpu.exitCode());
        assertEquals("attnkit: error: 'host-epyc-2c' is a CPU target; --measured needs a GPU target", cpu.err().strip());
        CliRunner zen5 = CliRunner.run("validate", "--measured", grid.toString(), "--target", "host-zen5-2c");
        assertEquals(2, zen5.exitCode());
        assertEquals("attnkit: error: 'host-zen5-2c' is a CPU target; --measured needs a GPU target", zen5.err().strip());
        CliRunner nowhere = CliRunner.run("validate", "--measured", grid.toString(), "--target", "tpu-v9");
        assertEquals("attnkit: error: no GPU target 'tpu-v9'; see 'attnkit targets'", nowhere.err().strip());
        CliRunner missing = CliRunner.run("validate", "--measured", dir.resolve("none.jsonl").toString());
        assertEquals(2, missing.exitCode(), "a file that cannot be read is a usage error");
        assertEquals("attnkit: error: " + dir.resolve("none.jsonl") + ": no such file", missing.err().strip());
        CliRunner directory = CliRunner.run("validate", "--measured", dir.toString());
        assertEquals(2, directory.exitCode());
        assertEquals("attnkit: error: " + dir + ": is a directory", directory.err().strip());
    }

    /** A row past simulate's --max-ctas estimate is refused at once, by its line, not simulated for minutes. */
    @Test
    void aRowTooLargeToSimulateIsRefusedByLine() throws IOException {
        Path grid = dir.resolve("odd.jsonl");
        Files.writeString(grid, """
                {"kind": "attention", "impl": "flash", "dtype": "bf16", "batch": 1, "heads": 2, "n": 256, "d": 64, "causal": true, "pass": "bwd", "ms": 0.1}
                {"kind": "attention", "impl": "standard", "dtype": "f16", "batch": 1, "heads": 16, "n": 1048576, "d": 128, "causal": true, "pass": "fwd", "ms": 100}
                """);
        CliRunner r = CliRunner.run("validate", "--measured", grid.toString(), "--target", "h100-sxm");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("attnkit: error: " + grid + ":2: standard d128 causal N=1048576 would walk about 1,073,741,824 tiles of S "
                + "(batch 1 x heads 16 x 8192 x 8192 blocks of S of 128 x 128), more than 1,048,576 (simulate's --max-ctas default); "
                + "too large to simulate, leave the row out", r.err().strip());
        assertEquals("", r.out());
    }

    /** Options of one mode given without it are refused at once, not ignored through a minute of simulation. */
    @Test
    void optionsOfAnotherModeAreRefused() throws IOException {
        for (String[] args : new String[][] {{"--rounds", "3"}, {"--repeat", "2"}, {"--target", "h200"},
                {"--targets", "mine.attn"}}) {
            String[] argv = new String[args.length + 1];
            argv[0] = "validate";
            System.arraycopy(args, 0, argv, 1, args.length);
            CliRunner r = CliRunner.run(argv);
            assertEquals(2, r.exitCode(), String.join(" ", args));
            String option = args[args.length - 2];
            assertEquals("attnkit: error: " + option + " goes with " + (option.startsWith("--r") ? "--cpu" : "--cpu or --measured"),
                    r.err().strip());
        }
        for (String[] args : new String[][] {{"--measured", "m.jsonl", "--rounds", "2"}, {"--measured", "m.jsonl", "--quick"},
                {"--cpu", "--target", "host-zen5-2c", "--overlap-ctas"}}) {
            String[] argv = new String[args.length + 1];
            argv[0] = "validate";
            System.arraycopy(args, 0, argv, 1, args.length);
            CliRunner r = CliRunner.run(argv);
            assertEquals(2, r.exitCode(), String.join(" ", args));
            String option = args[args.length - 1].startsWith("--") ? args[args.length - 1] : args[args.length - 2];
            assertEquals("attnkit: error: " + option + " does not apply to " + args[0], r.err().strip());
        }
        Path out = dir.resolve("tables.md");
        Files.createDirectories(out);
        CliRunner r = CliRunner.run("validate", "--out", out.toString());
        assertEquals(2, r.exitCode());
        assertEquals("attnkit: error: '" + out + "' is a directory", r.err().strip());
        assertEquals("", r.out(), "refused before simulating");
    }

    @Test
    void theJavaBackendIsTimedHereAgainstTheCpuModel() {
        CliRunner r = CliRunner.run("validate", "--cpu", "--quick", "--target", "host-zen5-2c", "--repeat", "2");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("### CPU: the Java backend on this machine against `host-zen5-2c`"), r.out());
        Matcher row = Pattern.compile("\\| (dense|causal|window\\(512\\)) \\| 1024 \\| ([0-9.]+) \\| ([0-9.]+) \\| ([-+][0-9]+)% \\| ([0-9]+) \\|")
                .matcher(r.out());
        double[] predicted = new double[3];
        int rows = 0;
        while (row.find()) {
            predicted[rows] = Double.parseDouble(row.group(2));
            double measured = Double.parseDouble(row.group(3));
            assertTrue(predicted[rows] > 0 && measured > 0, row.group());
            long error = Math.round(100 * (predicted[rows] / measured - 1));
            assertTrue(Math.abs(error - Long.parseLong(row.group(4))) <= 1 + 100 * 0.05 / measured, row.group());
            assertTrue(Integer.parseInt(row.group(5)) >= 2, row.group());
            rows++;
        }
        assertEquals(3, rows, r.out());
        // Causal visits about half the tiles of dense, a 512-key window at N 1024 a bit less than dense.
        assertTrue(predicted[1] < 0.7 * predicted[0] && predicted[2] < predicted[0], r.out());
        assertTrue(r.out().contains("rows within 15%: "), r.out());
    }

    @Test
    void theCpuTableCountsItsErrors() {
        CpuValidation.Row dense = CpuValidation.ROWS.getFirst();
        String table = CpuValidation.markdown(Validation.builtinTarget("host-zen5-2c").orElseThrow(), List.of(
                new CpuValidation.Result(dense, 0.0125, 0.0100, 160, 0.2, 0.9),
                new CpuValidation.Result(dense, 0.0095, 0.0100, 7, 1.0, 1.1)), 7, 1, 2);
        assertTrue(table.contains("| dense | 1024 | 12.5 | 10.0 | +25% | 160 | 0.2 / 0.9 |"), table);
        assertTrue(table.contains("| dense | 1024 | 9.5 | 10.0 | -5% | 7 | 1.0 / 1.1 |"), table);
        assertTrue(table.contains("Mean absolute error 15.0%; rows within 15%: 1 of 2."), table);
    }

    @Test
    void roundsMeasureTheKernelsInTurnAndKeepEachOnesFastest(@TempDir Path scratch) throws Exception {
        // A fake clock: the second round of the first row falls in a slow phase, the first round of the second.
        List<String> calls = new ArrayList<>();
        double[][] times = {{0.010, 0.030}, {0.050, 0.004}};
        List<CpuValidation.Row> rows = CpuValidation.QUICK.subList(0, 2);
        List<CpuValidation.Result> results = CpuValidation.run(rows, Validation.builtinTarget("host-zen5-2c").orElseThrow(),
                7, 2, scratch, (file, runs) -> {
                    calls.add(file.getFileName().toString());
                    int row = calls.size() % 2 == 1 ? 0 : 1;
                    return times[row][(calls.size() - 1) / 2];
                });
        String first = calls.get(0);
        String second = calls.get(1);
        assertEquals(List.of(first, second, first, second), calls, "rows in turn, round after round");
        assertEquals(0.010, results.get(0).measuredSeconds(), 1e-12);
        assertEquals(0.004, results.get(1).measuredSeconds(), 1e-12);
        assertEquals(2 * CpuValidation.runs(7, results.get(0).predictedSeconds()), results.get(0).runs());
        String table = CpuValidation.markdown(Validation.builtinTarget("host-zen5-2c").orElseThrow(), results, 7, 2, 2);
        assertTrue(table.contains("per round, 2 rounds in turn"), table);
    }

    @Test
    void roundsBelowOneAreRefused() {
        CliRunner r = CliRunner.run("validate", "--cpu", "--target", "host-zen5-2c", "--rounds", "0");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("attnkit: error: --rounds must be at least 1", r.err().strip());
    }

    @Test
    void shortKernelsRunUntilTheyHaveRunAboutTwoSeconds() {
        assertEquals(7, CpuValidation.runs(7, 0.5));
        assertEquals(200, CpuValidation.runs(7, 0.005));
        assertEquals(200, CpuValidation.runs(7, 0));
        assertEquals(80, CpuValidation.runs(7, 0.025));
        assertEquals(300, CpuValidation.runs(300, 0.005));
    }

    @Test
    void aTargetOfTheUsersOwnIsTakenFromTargets() throws IOException {
        Path mine = dir.resolve("mine.attn");
        Files.writeString(mine, "target mine extends host-zen5-2c { clock 1.65 GHz; }\n");
        CliRunner r = CliRunner.run("validate", "--cpu", "--quick", "--targets", mine.toString(), "--target", "mine",
                "--repeat", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("against `mine`"), r.out());
        // Half the clock: the predictions of the compute-bound rows about double the built-in target's.
        Matcher dense = Pattern.compile("\\| dense \\| 1024 \\| ([0-9.]+) \\|").matcher(r.out());
        assertTrue(dense.find(), r.out());
        KernelSpec k = CpuValidation.kernel(CpuValidation.QUICK.getFirst());
        double builtin = Simulator.simulate(k, Validation.builtinTarget("host-zen5-2c").orElseThrow(), BlockMap.of(k),
                SimOptions.defaults()).seconds() * 1e3;
        double ratio = Double.parseDouble(dense.group(1)) / builtin;
        assertTrue(ratio > 1.6 && ratio < 2.1, "half the clock gave " + ratio + " times the time");

        Files.writeString(mine, "target mine extends host-zen5-2c { clock -1 GHz; }\n");
        CliRunner bad = CliRunner.run("validate", "--cpu", "--targets", mine.toString(), "--target", "mine");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains(mine + ":1:"), bad.err());
        CliRunner absent = CliRunner.run("validate", "--cpu", "--targets", dir.resolve("none.attn").toString(), "--target", "x");
        assertTrue(absent.exitCode() != 0, absent.err());
        assertEquals(1, absent.err().strip().lines().count(), absent.err());
        Files.writeString(mine, "target mine extends host-zen5-2c { clock 2 GHz; }\n");
        CliRunner other = CliRunner.run("validate", "--cpu", "--targets", mine.toString(), "--target", "yours");
        assertEquals(2, other.exitCode());
        assertEquals("attnkit: error: no CPU target 'yours' in " + mine, other.err().strip());
    }

    @Test
    void theCpuComparisonNeedsACpuTarget() {
        CliRunner none = CliRunner.run("validate", "--cpu", "--quick");
        assertEquals(2, none.exitCode());
        assertTrue(none.err().strip().startsWith("attnkit: error: --cpu needs --target NAME"), none.err());
        assertEquals(1, none.err().strip().lines().count(), none.err());
        CliRunner gpu = CliRunner.run("validate", "--cpu", "--target", "h100-sxm");
        assertEquals(2, gpu.exitCode());
        assertEquals("attnkit: error: 'h100-sxm' is a GPU target; --cpu needs a CPU target", gpu.err().strip());
        CliRunner both = CliRunner.run("validate", "--cpu", "--measured", "x.jsonl", "--target", "host-zen5-2c");
        assertEquals(2, both.exitCode());
        assertEquals("attnkit: error: give --cpu or --measured, not both", both.err().strip());
    }
}
