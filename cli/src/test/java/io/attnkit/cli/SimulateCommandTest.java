package io.attnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /** A causal GQA prefill on the H100, small enough to simulate in a moment. */
    static final String CAUSAL = """
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
    void theTraceCountersAddUpToTheReportAndStayWithinThePeaks() throws IOException {
        // Forward and backward with dropout through PyTorch's kernels: 20 launches, one lumpy
        // charge after another. The tracks used to restart at every launch and to divide lumps by
        // gaps of a fraction of a cycle: a tensor pipe "active" -2085% and L2 rates of 1e17 GB/s.
        Path trace = dir.resolve("t.json");
        Path json = dir.resolve("r.json");
        CliRunner r = CliRunner.run("simulate", file(CAUSAL).toString(), "--schedule", "standard", "--pass", "fwd+bwd",
                "--dropout", "0.1", "--trace", trace.toString(), "--json", json.toString());
        assertEquals(0, r.exitCode(), r.err());
        ObjectMapper mapper = new ObjectMapper();
        JsonNode metrics = mapper.readTree(json.toFile()).get("metrics");
        java.util.List<JsonNode> bandwidth = new java.util.ArrayList<>();
        for (JsonNode e : mapper.readTree(trace.toFile()).get("traceEvents")) {
            if (e.get("ph").asText().equals("C") && e.get("name").asText().equals("bandwidth")) {
                bandwidth.add(e);
            } else if (e.get("ph").asText().equals("C")) {
                double busy = e.get("args").get("%").asDouble();
                assertTrue(busy >= 0 && busy <= 100, "tensor pipe active " + busy + "% at " + e.get("ts"));
            }
        }
        assertTrue(bandwidth.size() > 100, "counter samples: " + bandwidth.size());
        // Evenly spaced samples: each rate holds for the same interval.
        double seconds = (bandwidth.getLast().get("ts").asDouble() - bandwidth.getFirst().get("ts").asDouble())
                / (bandwidth.size() - 1) * 1e-6;
        double dram = 0;
        double l2 = 0;
        for (JsonNode e : bandwidth) {
            double dramRate = e.get("args").get("DRAM GB/s").asDouble();
            assertTrue(dramRate >= 0 && dramRate <= 3350, "DRAM " + dramRate + " GB/s, the H100 SXM moves at most 3350");
            dram += dramRate * 1e9 * seconds;
            l2 += e.get("args").get("L2 GB/s").asDouble() * 1e9 * seconds;
        }
        double reportedDram = metrics.get("dram__bytes_read.sum").asDouble() + metrics.get("dram__bytes_write.sum").asDouble();
        assertEquals(reportedDram, dram, 0.01 * reportedDram, "DRAM bytes under the track");
        assertEquals(metrics.get("lts__t_bytes.sum").asDouble(), l2, 0.01 * metrics.get("lts__t_bytes.sum").asDouble(),
                "L2 bytes under the track");
    }

    @Test
    void standardScheduleHasTheGemmsAndTheSoftmax() throws IOException {
        CliRunner r = CliRunner.run("simulate", file(CAUSAL).toString(), "--schedule", "standard");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("launch qk_gemm") && r.out().contains("launch softmax") && r.out().contains("launch pv_gemm"),
                r.out());
    }

    @Test
    void flashAttention3SaysWhichTilesItImposesAndRefusesToSweepTheFilesOwn() throws IOException {
        Path f = file(CAUSAL);
        CliRunner r = CliRunner.run("simulate", f.toString(), "--schedule", "flash3");
        assertEquals(0, r.exitCode(), r.err());
        // d 64: three consumer groups of 64 rows over 128 keys, not the file's 128 x 64
        assertTrue(r.out().contains("schedule flash3") && r.out().contains("FlashAttention-3's tiles q 192, kv 128, 2 stages, "
                + "3 consumer warp groups") && r.out().contains("1 CTA/SM"), r.out());
        CliRunner sweep = CliRunner.run("simulate", f.toString(), "--schedule", "flash3", "--sweep", "tile.kv=32,64");
        assertEquals(2, sweep.exitCode());
        assertTrue(sweep.err().contains("--sweep tile.kv would simulate the same kernel"), sweep.err());
        CliRunner a100 = CliRunner.run("simulate", f.toString(), "--schedule", "flash3", "--target", "a100-40gb");
        assertEquals(2, a100.exitCode());
        assertTrue(a100.err().lines().count() == 1 && a100.err().contains("wgmma"), a100.err());
    }

    @Test
    void standardScheduleRunsPyTorchEagerKernels() throws IOException {
        CliRunner r = CliRunner.run("simulate", file(CAUSAL).toString(), "--schedule", "standard", "--pass", "fwd+bwd",
                "--dropout", "0.1");
        assertEquals(0, r.exitCode(), r.err());
        for (String launch : new String[] {"mask_add", "dropout ", "softmax_bwd", "dk_gemm", "copy_dv"}) {
            assertTrue(r.out().contains("launch " + launch), launch + " in\n" + r.out());
        }
    }

    @Test
    void passIsInTheReportAndTheJsonIsTheSameEveryTime() throws IOException {
        Path k = file(CAUSAL);
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        CliRunner r = CliRunner.run("simulate", k.toString(), "--pass", "fwd+bwd", "--json", a.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("pass fwd+bwd") && r.out().contains("launch flash_bwd"), r.out());
        assertEquals(0, CliRunner.run("simulate", k.toString(), "--pass", "fwd+bwd", "--json", b.toString()).exitCode());
        assertEquals(Files.readString(a), Files.readString(b));
        assertEquals("fwd+bwd", new ObjectMapper().readTree(a.toFile()).get("pass").asText());
        CliRunner bad = CliRunner.run("simulate", k.toString(), "--pass", "sideways");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("unknown --pass 'sideways'"), bad.err());
        CliRunner cpu = CliRunner.run("simulate", k.toString(), "--target", "host-epyc-2c", "--pass", "bwd");
        assertEquals(2, cpu.exitCode());
        assertEquals(1, cpu.err().lines().count(), cpu.err());
        CliRunner cpuDropout = CliRunner.run("simulate", k.toString(), "--target", "host-epyc-2c", "--dropout", "0.1");
        assertEquals(2, cpuDropout.exitCode(), "the Java backend has no dropout");
        assertTrue(cpuDropout.err().contains("--dropout applies to GPU targets"), cpuDropout.err());
        CliRunner splitDropout = CliRunner.run("simulate", k.toString(), "--kv-splits", "2", "--dropout", "0.1");
        assertEquals(2, splitDropout.exitCode(), splitDropout.err());
        assertTrue(splitDropout.err().contains("kv splits do not combine with dropout"), splitDropout.err());
        CliRunner traceCtasAlone = CliRunner.run("simulate", k.toString(), "--trace-ctas", "4");
        assertEquals(2, traceCtasAlone.exitCode(), "a trace size without a trace is a mistake, not a no-op");
        assertEquals("attnkit: error: --trace-ctas sizes the trace; give --trace FILE too", traceCtasAlone.err().strip());
    }

    @Test
    void fusedKernelsPayForDrawingTheDropoutMaskInBothPasses() throws IOException {
        for (String schedule : new String[] {"flash", "flash1"}) {
            // FlashAttention-1's backward keeps a q x kv score tile per warp: its own small q-blocks fit.
            Path k = schedule.equals("flash") ? file(CAUSAL) : file(CAUSAL.replace("tile q 128, kv 64", "tile q 16, kv 128"));
            for (String pass : new String[] {"fwd", "bwd"}) {
                Path plain = dir.resolve(schedule + pass + ".json");
                Path dropped = dir.resolve(schedule + pass + "-dropout.json");
                assertEquals(0, CliRunner.run("simulate", k.toString(), "--schedule", schedule, "--pass", pass, "--json",
                        plain.toString()).exitCode());
                CliRunner r = CliRunner.run("simulate", k.toString(), "--schedule", schedule, "--pass", pass, "--dropout", "0.1",
                        "--json", dropped.toString());
                assertEquals(0, r.exitCode(), r.err());
                assertTrue(r.out().contains(", dropout 0.1"), r.out());
                JsonNode a = new ObjectMapper().readTree(plain.toFile());
                JsonNode b = new ObjectMapper().readTree(dropped.toFile());
                assertEquals(0.1, b.get("dropout").asDouble());
                assertNull(a.get("dropout"), "no dropout, no field");
                String where = schedule + " " + pass;
                assertTrue(b.at("/summary/time_ms").asDouble() > a.at("/summary/time_ms").asDouble(), where + ": the mask costs time");
                // The mask never leaves the chip: HBM sees the same tensors (up to the L2's timing-dependent hits).
                double hbm = a.at("/summary/hbm_read_bytes").asDouble() + a.at("/summary/hbm_write_bytes").asDouble();
                assertEquals(hbm, b.at("/summary/hbm_read_bytes").asDouble() + b.at("/summary/hbm_write_bytes").asDouble(),
                        0.02 * hbm, where);
            }
        }
    }

    @Test
    void decodeIsSplitOverTheKeysWhenAsked() throws IOException {
        Path k = file("""
                kernel decode {
                  shape batch 1, heads 8, kv_heads 2, q_len 1, kv_len 40000, head_dim 128;
                  dtype bf16;
                  tile q 16, kv 128, stages 2;
                  mask causal;
                  target h100-sxm;
                }
                """);
        CliRunner auto = CliRunner.run("simulate", k.toString(), "--kv-splits", "auto", "--json", "-");
        assertEquals(0, auto.exitCode(), auto.err());
        int splits = new ObjectMapper().readTree(auto.out()).get("kv_splits").asInt();
        assertTrue(splits > 1, auto.out());
        CliRunner upper = CliRunner.run("simulate", k.toString(), "--kv-splits", "AUTO", "--json", "-");
        assertEquals(auto.out(), upper.out(), "any case, as --schedule and --pass take it");
        CliRunner text = CliRunner.run("simulate", k.toString(), "--kv-splits", Integer.toString(splits));
        assertTrue(text.out().contains("kv splits " + splits) && text.out().contains("launch flash_fwd_combine"), text.out());
        for (String[] bad : new String[][] {{"--kv-splits", "0"}, {"--kv-splits", "many"}, {"--kv-splits", "4", "--schedule", "flash1"},
                {"--kv-splits", "1000"}}) {
            // A malformed option, or one that does not fit this kernel (more splits than its K/V blocks), is a usage error.
            CliRunner r = CliRunner.run(java.util.stream.Stream.concat(java.util.stream.Stream.of("simulate", k.toString()),
                    java.util.Arrays.stream(bad)).toArray(String[]::new));
            assertEquals(2, r.exitCode(), String.join(" ", bad) + ": " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        }
        CliRunner huge = CliRunner.run("simulate", k.toString(), "--kv-splits", "99999999999");
        assertEquals(2, huge.exitCode(), huge.err());
        assertTrue(huge.err().contains("--kv-splits 99999999999 is more than the K/V blocks of any row"), huge.err());
    }

    /** A data-dependent kernel: MoBA-style top-k blocks, decided on Q and K. */
    private static final String TOP_K = """
            kernel moba {
              shape heads 4, kv_heads 2, q_len 4000, head_dim 64;
              dtype bf16;
              tile q 128, kv 64, stages 2;
              mask causal & topk_blocks(block 512, k 3);
              target h100-sxm;
            }
            """;

    /** A kernel whose heads a trained router sends to a window, its weights in {@code weights}. */
    private static String routed(String weights) {
        return "router trained { weights \"" + weights + "\"; }\n" + """
                kernel routed {
                  shape heads 4, kv_heads 2, q_len 256, head_dim 16;
                  tile q 64, kv 64;
                  mask causal;
                  heads *: route trained(dense, window(64));
                  target h100-sxm;
                }
                """;
    }

    @Test
    void missingRouterWeightsWarnAtCheckAndStopRunAndSimulateAlike() throws IOException {
        Path k = file(routed("nope.safetensors"));
        CliRunner check = CliRunner.run("check", k.toString());
        assertEquals(0, check.exitCode(), check.err());
        assertTrue(check.err().contains(":1:26: warning[W002]: router weights 'nope.safetensors' do not exist"), check.err());
        for (String command : List.of("simulate", "run")) {
            CliRunner r = command.equals("run") ? CliRunner.run("run", k.toString(), "--random") : CliRunner.run("simulate", k.toString());
            assertEquals(2, r.exitCode(), command + ": " + r.err());
            assertTrue(r.err().strip().endsWith("nope.safetensors: no such file"), command + ": " + r.err());
            assertFalse(r.err().contains("Exception"), r.err());
        }
    }

    /**
     * Router weights trained into NaN: every score was NaN, NaN > 0 is false, and run and simulate
     * sent every head dense without a word. Wherever the NaN (or an infinity) sits, both refuse the
     * file in one line naming it, the tensor and the element.
     */
    @Test
    void nonFiniteRouterWeightsStopRunAndSimulateAlike() throws IOException {
        Path k = file(routed("trained.safetensors"));
        Path weights = dir.resolve("trained.safetensors");
        Random random = new Random(11);
        int inputs = 32;
        int hidden = 128; // the default 4x of 2 x head_dim
        String[] tensors = {"w1", "b1", "w2", "b2"};
        int[] sizes = {hidden * inputs, hidden, hidden, 1};
        double[] bad = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (int trial = 0; trial < 4; trial++) {
            int t = trial % 4;
            int at = random.nextInt(sizes[t]);
            double value = bad[random.nextInt(bad.length)];
            TestFiles.routerWeights(weights, inputs, hidden,
                    (name, i) -> name.equals(tensors[t]) && i == at ? value : random.nextGaussian() * 0.1);
            String index = switch (t) {
                case 0 -> "[" + at / inputs + ", " + at % inputs + "]";
                case 2 -> "[0, " + at + "]";
                default -> "[" + at + "]";
            };
            String expected = "attnkit: error: " + weights + ": tensor '" + tensors[t] + "' holds " + value + " at " + index
                    + "; router weights must be finite";
            for (String command : List.of("simulate", "run")) {
                CliRunner r = command.equals("run") ? CliRunner.run("run", k.toString(), "--random") : CliRunner.run("simulate", k.toString());
                assertEquals(2, r.exitCode(), command + ": " + r.out() + r.err());
                assertEquals(expected, r.err().strip(), command);
                assertEquals("", r.out(), command);
            }
        }
        TestFiles.routerWeights(weights, inputs, hidden, (name, i) -> random.nextGaussian() * 0.1); // finite: it runs
        assertEquals(0, CliRunner.run("simulate", k.toString()).exitCode());
    }

    /** On static masks --synthetic-selection was ignored without a word, where --q and --k get a note. */
    @Test
    void syntheticSelectionOnStaticMasksSaysItChangesNothing() throws IOException {
        Path k = file(CAUSAL);
        CliRunner plain = CliRunner.run("simulate", k.toString());
        CliRunner r = CliRunner.run("simulate", k.toString(), "--synthetic-selection", "--seed", "9");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue((r.out() + r.err()).contains("note: kernel prefill decides nothing on data (its masks are static): "
                + "--synthetic-selection changes nothing"), r.out() + r.err());
        assertEquals(plain.out(), r.out().replaceAll("(?m)^note: .*\n", ""), "the numbers are those without the option");
    }

    @Test
    void syntheticSelectionIsSeededAndSaysSo() throws IOException {
        Path k = file(TOP_K);
        CliRunner a = CliRunner.run("simulate", k.toString(), "--synthetic-selection", "--seed", "4", "--json", "-");
        CliRunner b = CliRunner.run("simulate", k.toString(), "--synthetic-selection", "--seed", "4", "--json", "-");
        assertEquals(0, a.exitCode(), a.err());
        assertEquals(a.out(), b.out());
        assertTrue(a.err().contains("selection drawn synthetically"), a.err());
        // The note stays out of the JSON; how the selection was made is in it.
        assertEquals("synthetic, seed 4", new ObjectMapper().readTree(a.out()).get("selection").asText());
        CliRunner decided = CliRunner.run("simulate", k.toString(), "--seed", "7", "--json", "-");
        assertEquals("decided on random Q and K, seed 7", new ObjectMapper().readTree(decided.out()).get("selection").asText());
    }

    /** NaN scores sort anywhere: an all-NaN Q halved the tiles a top-k kernel selected, and reported 2.4x the speed. */
    @Test
    void inputsThatAreNotFiniteAreRefusedForSelections() throws IOException {
        Path k = file(TOP_K);
        io.attnkit.dsl.reference.Tensor q = io.attnkit.dsl.reference.Tensor.random(1, 4, 4000, 64, 3);
        q.data()[4321] = Float.NaN;
        q.data()[17] = Float.NEGATIVE_INFINITY;
        io.attnkit.dsl.reference.Npy.write(dir.resolve("q.npy"), q, io.attnkit.dsl.model.DType.F32);
        io.attnkit.dsl.reference.Npy.write(dir.resolve("k.npy"), io.attnkit.dsl.reference.Tensor.random(1, 2, 4000, 64, 4),
                io.attnkit.dsl.model.DType.F32);
        CliRunner r = CliRunner.run("simulate", k.toString(), "--q", dir.resolve("q.npy").toString(), "--k",
                dir.resolve("k.npy").toString());
        assertEquals(1, r.exitCode(), r.err());
        assertEquals("attnkit: error: " + dir.resolve("q.npy") + ": 2 of 1,024,000 values are NaN or infinite; a selection "
                + "decided on them means nothing", r.err().strip());
        q.data()[4321] = 0.5f;
        q.data()[17] = -0.5f;
        io.attnkit.dsl.reference.Npy.write(dir.resolve("q.npy"), q, io.attnkit.dsl.model.DType.F32);
        CliRunner fine = CliRunner.run("simulate", k.toString(), "--q", dir.resolve("q.npy").toString(), "--k",
                dir.resolve("k.npy").toString(), "--json", "-");
        assertEquals(0, fine.exitCode(), fine.err());
        assertTrue(new ObjectMapper().readTree(fine.out()).get("selection").asText().startsWith("decided on Q and K from "));
        // A static mask decides nothing on data: the inputs are not read, and it says so.
        q.data()[4321] = Float.NaN;
        io.attnkit.dsl.reference.Npy.write(dir.resolve("q.npy"), q, io.attnkit.dsl.model.DType.F32);
        CliRunner causal = CliRunner.run("simulate", file(CAUSAL).toString(), "--q", dir.resolve("q.npy").toString(), "--k",
                dir.resolve("k.npy").toString(), "--json", "-");
        assertEquals(0, causal.exitCode(), causal.err());
        assertTrue(causal.err().contains("--q and --k are not read"), causal.err());
        assertNull(new ObjectMapper().readTree(causal.out()).get("selection"));
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
        // in the CPU's words: no HBM, tensor pipe or CTAs
        assertTrue(r.out().contains("  DRAM ") && r.out().contains("  LLC ") && r.out().contains("  cores        2,"), r.out());
        assertFalse(r.out().contains("HBM") || r.out().contains("tensor") || r.out().contains("CTA"), r.out());
    }

    /** A CPU's trace speaks as its report does: a track per core, the LLC, and the FMA pipe its products run on. */
    @Test
    void aCpuTraceNamesCoresTheLlcAndTheFmaPipe() throws IOException {
        Path trace = dir.resolve("cpu-trace.json");
        Path json = dir.resolve("cpu.json");
        CliRunner r = CliRunner.run("simulate", file(CAUSAL).toString(), "--target", "host-zen5-2c", "--trace", trace.toString(),
                "--json", json.toString());
        assertEquals(0, r.exitCode(), r.err());
        ObjectMapper mapper = new ObjectMapper();
        java.util.Set<String> tracks = new java.util.TreeSet<>();
        java.util.List<Double> fmaBusy = new java.util.ArrayList<>();
        for (JsonNode e : mapper.readTree(trace.toFile()).get("traceEvents")) {
            String name = e.get("name").asText();
            if (e.get("ph").asText().equals("M")) {
                tracks.add(e.get("args").get("name").asText());
            } else if (e.get("ph").asText().equals("C") && name.equals("bandwidth")) {
                assertTrue(e.get("args").has("LLC GB/s") && !e.get("args").has("L2 GB/s"), e.toString());
            } else if (e.get("ph").asText().equals("C")) {
                assertEquals("FMA pipe active %", name);
                fmaBusy.add(e.get("args").get("%").asDouble());
            }
        }
        assertEquals(java.util.Set.of("core 0", "core 1", "memory and FMA pipe"), tracks);
        double mean = fmaBusy.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double reported = mapper.readTree(json.toFile()).get("metrics").get("sm__pipe_fma_cycles_active.avg.pct_of_peak_sustained_elapsed").asDouble();
        assertTrue(fmaBusy.stream().allMatch(b -> b >= 0 && b <= 100.0001), fmaBusy.toString());
        assertTrue(Math.abs(mean - reported) < 0.1 * reported, "the track's mean " + mean + "% against the report's " + reported + "%");
    }

    @Test
    void aKernelWithoutTargetNeedsOne() throws IOException {
        CliRunner r = CliRunner.run("simulate", file(CAUSAL.replace("target h100-sxm;", "")).toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--target"), r.err());
    }

    @Test
    void resourcesTheTargetCannotGiveAreRefused() throws IOException {
        CliRunner r = CliRunner.run("simulate", file(CAUSAL).toString(), "--registers", "255", "--smem", "300000");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("shared memory"), r.err());
        CliRunner registers = CliRunner.run("simulate", file(CAUSAL).toString(), "--registers", "256", "--smem", "0");
        assertEquals(2, registers.exitCode(), registers.err());
        assertEquals("attnkit: error: at most 255 registers per thread on h100-sxm, not 256", registers.err().strip());
        // They size the flash forward; a run without one used to accept and ignore them.
        for (String[] option : new String[][] {{"--pass", "bwd"}, {"--schedule", "flash1"}, {"--schedule", "standard"}}) {
            CliRunner ignored = CliRunner.run("simulate", file(CAUSAL).toString(), "--registers", "128", "--smem", "65536",
                    option[0], option[1]);
            assertEquals(2, ignored.exitCode(), ignored.err());
            assertEquals("attnkit: error: registers and shared memory per CTA size the forward of the flash schedule, which "
                    + "this run does not launch", ignored.err().strip());
        }
        assertEquals(0, CliRunner.run("simulate", file(CAUSAL).toString(), "--registers", "128", "--smem", "65536",
                "--pass", "fwd+bwd").exitCode());
    }

    /** A kernel whose CTA does not fit its own target, with no option involved, is an error in the input (1). */
    @Test
    void aKernelThatDoesNotFitItsTargetIsAnInputError() throws IOException {
        CliRunner r = CliRunner.run("simulate", file(CAUSAL.replace("target h100-sxm;", "target tiny;")
                + "target tiny extends h100-sxm { regs 1 Ki/sm; }\n").toString());
        assertEquals(1, r.exitCode(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    /** GPU launch options on a CPU target are refused rather than ignored (--l2 exact does apply: the CPU has caches). */
    @Test
    void gpuLaunchOptionsOnACpuTargetAreRefused() throws IOException {
        Path k = file(CAUSAL);
        for (String[] option : new String[][] {{"--raster", "q-reverse"}, {"--overlap-ctas"}, {"--registers", "64", "--smem", "0"},
                {"--kv-splits", "4"}}) {
            String[] argv = new String[option.length + 4];
            System.arraycopy(new String[] {"simulate", k.toString(), "--target", "host-epyc-2c"}, 0, argv, 0, 4);
            System.arraycopy(option, 0, argv, 4, option.length);
            CliRunner r = CliRunner.run(argv);
            assertEquals(2, r.exitCode(), option[0] + ": " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().contains("CPU") || r.err().contains("GPU target"), r.err());
        }
        assertEquals(0, CliRunner.run("simulate", k.toString(), "--target", "host-epyc-2c", "--l2", "exact").exitCode());
    }

    /** Output paths that cannot be written are refused before the simulation, and JSON and trace land together or not at all. */
    @Test
    void outputsAreCheckedFirstAndWrittenTogether() throws IOException {
        Path k = file(CAUSAL);
        Path json = dir.resolve("out/r.json");
        Path blocked = dir.resolve("blocked");
        Files.writeString(blocked, "a file, not a directory\n");
        CliRunner r = CliRunner.run("simulate", k.toString(), "--json", json.toString(), "--trace", blocked.resolve("t.json").toString());
        assertEquals(2, r.exitCode());
        assertEquals("attnkit: error: cannot write '" + blocked.resolve("t.json") + "': " + blocked + " is not a directory",
                r.err().strip());
        assertEquals("", r.out(), "refused before simulating");
        assertFalse(Files.exists(json), "the JSON is not written without the trace");

        CliRunner dash = CliRunner.run("simulate", k.toString(), "--trace", "-");
        assertEquals(2, dash.exitCode());
        assertEquals("attnkit: error: --trace writes a file; only --json can go to standard output ('-')", dash.err().strip());
        CliRunner same = CliRunner.run("simulate", k.toString(), "--json", json.toString(), "--trace", dir.resolve("out/./r.json").toString());
        assertEquals(2, same.exitCode());
        assertEquals("attnkit: error: --json and --trace name the same file", same.err().strip());
        assertFalse(Files.exists(json));
        String source = Files.readString(k);
        CliRunner input = CliRunner.run("simulate", k.toString(), "--trace", dir.resolve("./" + k.getFileName()).toString());
        assertEquals(2, input.exitCode());
        assertEquals("attnkit: error: --trace " + dir.resolve("./" + k.getFileName()) + " would overwrite the input " + k,
                input.err().strip());
        assertEquals(source, Files.readString(k));

        // an imported file is an input too
        Path targets = dir.resolve("targets.attn");
        Files.writeString(targets, "target mine extends h100-sxm { clock 1.6 GHz; }\n");
        Path importing = file("import \"targets.attn\";\n" + CAUSAL.replace("target h100-sxm;", "target mine;"));
        CliRunner imported = CliRunner.run("simulate", importing.toString(), "--json", targets.toString());
        assertEquals(2, imported.exitCode(), imported.err());
        assertTrue(imported.err().contains("would overwrite the input"), imported.err());
        assertTrue(Files.readString(targets).startsWith("target mine"));
    }

    @Test
    void aMeasuredProfileIsSetBesideTheSimulation() throws IOException {
        Path k = file(CAUSAL);
        JsonNode sim = new ObjectMapper().readTree(CliRunner.run("simulate", k.toString(), "--json", "-").out());
        double read = sim.get("metrics").get("dram__bytes_read.sum").asDouble();
        // ncu's default layout after the program's output: DRAM reads 10% below the simulation
        Path profile = dir.resolve("ncu.csv");
        Files.writeString(profile, String.join("\n", "==PROF== Connected to process 1 (harness)",
                "\"ID\",\"Process ID\",\"Process Name\",\"Host Name\",\"Kernel Name\",\"Context\",\"Stream\",\"Block Size\","
                        + "\"Grid Size\",\"Device\",\"CC\",\"Section Name\",\"Metric Name\",\"Metric Unit\",\"Metric Value\"",
                "\"0\",\"1\",\"harness\",\"h\",\"prefill\",\"1\",\"7\",\"(128, 1, 1)\",\"(16, 8, 1)\",\"0\",\"9.0\",\"s\","
                        + "\"dram__bytes_read.sum\",\"byte\",\"" + String.format(java.util.Locale.ROOT, "%,d", Math.round(read / 1.1 * 1.0)) + "\"",
                ""));
        CliRunner text = CliRunner.run("simulate", k.toString(), "--compare", profile.toString());
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("measured     " + profile + ": 1 kernel launch (simulated: 1)"), text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.contains("dram__bytes_read.sum") && l.endsWith("+10.0%")), text.out());

        JsonNode json = new ObjectMapper().readTree(CliRunner.run("simulate", k.toString(), "--compare", profile.toString(),
                "--json", "-").out());
        JsonNode row = json.get("comparison").get("metrics").get(0);
        assertEquals("dram__bytes_read.sum", row.get("metric").asText());
        assertEquals(0.1, row.get("error").asDouble(), 1e-6);

        CliRunner missing = CliRunner.run("simulate", k.toString(), "--compare", dir.resolve("none.csv").toString());
        assertEquals(2, missing.exitCode(), "a file that cannot be read is a usage error");
        assertEquals("attnkit: error: " + dir.resolve("none.csv") + ": no such file", missing.err().strip());
        Files.writeString(profile, "no kernels were profiled\n");
        CliRunner empty = CliRunner.run("simulate", k.toString(), "--compare", profile.toString());
        assertEquals(1, empty.exitCode());
        assertEquals(1, empty.err().lines().count(), empty.err());
    }

    private static final String GPU = """
            target mine {
              backend cuda sm_90; sms 132; clock 1.83 GHz;
              tensor bf16 4096 flop/cycle/sm; fma f32 256 flop/cycle/sm; sfu 16 op/cycle/sm;
              smem 228 KiB/sm, 227 KiB/block; regs 64 Ki/sm; threads 2048/sm; blocks 32/sm;
              l1 256 KiB/sm, 30.9 TB/s, latency 30 cycles;
              l2 50 MiB, 12 TB/s, latency 280 cycles;
              hbm 80 GiB, 3.35 TB/s, latency 690 cycles;
              launch 3 us;
            }
            """;

    /**
     * A user's target with figures no machine has is refused where they are written (a 1e-12 B/s
     * L2 or a 1e30 GHz clock made the simulation run forever); figures at the bounds still finish.
     */
    @Test
    void absurdTargetFiguresAreRefusedAndThoseAtTheBoundsSimulate() throws IOException {
        String kernel = CAUSAL.replace("target h100-sxm;", "target mine;");
        String[][] absurd = {{"clock 1.83 GHz", "clock 1e30 GHz", "clock must be between 1 MHz and 100 GHz"},
                {"clock 1.83 GHz", "clock 1 Hz", "clock must be between 1 MHz and 100 GHz"},
                {"12 TB/s", "1e-12 B/s", "l2 bandwidth must be between 1 MB/s and 1000000 TB/s"},
                {"3.35 TB/s", "0 B/s", "hbm bandwidth must be positive"},
                {"latency 690 cycles", "latency 1e30 cycles", "hbm latency must be at most 1 ms"},
                {"sms 132", "sms 0", "sms must be at least 1"},
                {"smem 228 KiB/sm, 227 KiB/block", "smem 0 B/sm", "smem must be at least 1"},
                {"4096 flop/cycle/sm", "1e-30 flop/cycle/sm", "tensor bf16 must be between 1/1024 and 1048576"}};
        for (String[] a : absurd) {
            Path k = file(GPU.replace(a[0], a[1]) + kernel);
            CliRunner r = CliRunner.run("simulate", k.toString());
            assertEquals(1, r.exitCode(), a[1] + "\n" + r.err());
            String first = r.err().lines().findFirst().orElseThrow();
            assertTrue(first.matches(java.util.regex.Pattern.quote(k.toString()) + ":\\d+:\\d+: error\\[E017]: .*")
                    && first.contains(a[2]), first);
            assertFalse(r.err().contains("Exception"), r.err());
        }
        String bounds = GPU.replace("clock 1.83 GHz", "clock 1 MHz").replace("12 TB/s", "1 MB/s").replace("3.35 TB/s", "1 MB/s")
                .replace("4096 flop/cycle/sm", "0.0009765625 flop/cycle/sm").replace("latency 690 cycles", "latency 1 ms")
                .replace("launch 3 us", "launch 1 s");
        for (String target : new String[] {bounds, GPU.replace("clock 1.83 GHz", "clock 100 GHz").replace("TB/s", "MB/s")}) {
            CliRunner r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                    () -> CliRunner.run("simulate", file(target + kernel).toString(), "--json", "-"));
            assertEquals(0, r.exitCode(), r.err());
            JsonNode json = new ObjectMapper().readTree(r.out());
            double seconds = json.get("metrics").get("gpu__time_duration.sum").asDouble() / 1e9;
            assertTrue(seconds > 0 && Double.isFinite(seconds), r.out());
            assertFalse(r.out().contains("NaN") || r.out().contains("Infinity"), r.out());
        }
    }

    /** ncu's "n/a", "NaN" and empty values are listed as not measured; "1,234,567" is a number. */
    @Test
    void metricsTheProfileHasNoNumberForAreNotMeasured() throws IOException {
        Path k = file(CAUSAL);
        Path profile = dir.resolve("ncu.csv");
        StringBuilder csv = new StringBuilder("\"ID\",\"Process ID\",\"Process Name\",\"Host Name\",\"Kernel Name\",\"Context\","
                + "\"Stream\",\"Block Size\",\"Grid Size\",\"Device\",\"CC\",\"Section Name\",\"Metric Name\",\"Metric Unit\","
                + "\"Metric Value\"\n");
        String[][] metrics = {{"dram__bytes_read.sum", "byte", "1,234,567"}, {"dram__bytes_write.sum", "byte", "n/a"},
                {"lts__t_bytes.sum", "byte", "NaN"}, {"gpu__time_duration.sum", "nsecond", ""}};
        for (String[] m : metrics) {
            csv.append("\"0\",\"1\",\"harness\",\"h\",\"prefill\",\"1\",\"7\",\"(128, 1, 1)\",\"(16, 8, 1)\",\"0\",\"9.0\",\"s\",\"")
                    .append(String.join("\",\"", m)).append("\"\n");
        }
        Files.writeString(profile, csv);
        CliRunner text = CliRunner.run("simulate", k.toString(), "--compare", profile.toString());
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("  dram__bytes_read.sum") && l.contains(" 1.235e+06 ")), text.out());
        java.util.Set<String> unmeasured = java.util.Set.of("dram__bytes_write.sum", "lts__t_bytes.sum", "gpu__time_duration.sum");
        String line = text.out().lines().filter(l -> l.startsWith("  not measured (no number in the profile): ")).findFirst().orElseThrow();
        assertEquals(unmeasured, java.util.Set.of(line.substring(line.indexOf(": ") + 2).split(", ")), line);
        assertFalse(text.out().contains("NaN"), text.out());

        JsonNode json = new ObjectMapper().readTree(CliRunner.run("simulate", k.toString(), "--compare", profile.toString(),
                "--json", "-").out()).get("comparison");
        assertEquals(1, json.get("metrics").size());
        assertEquals(1_234_567, json.get("metrics").get(0).get("measured").asDouble());
        java.util.Set<String> listed = new java.util.HashSet<>();
        json.get("not_measured").forEach(m -> listed.add(m.asText()));
        assertEquals(unmeasured, listed);
    }

    /** With the JSON on standard output, the bench line goes to standard error: the stream stays one JSON document. */
    @Test
    void benchLineKeepsOffAJsonStream() throws IOException {
        CliRunner r = CliRunner.run("simulate", file(CAUSAL).toString(), "--json", "-", "--bench");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("prefill", new ObjectMapper().readTree(r.out()).get("kernel").asText());
        assertFalse(r.out().contains("simulation"), r.out());
        assertTrue(r.err().contains("simulation"), r.err());
    }

    /** A shape past --max-ctas is refused at once, with the estimate and the way around, not after minutes or an OutOfMemoryError. */
    @Test
    void hugeShapesAreRefusedUpFront() throws IOException {
        Path huge = file(CAUSAL.replace("heads 8, kv_heads 2, q_len 2000", "batch 128K, heads 64, kv_heads 8, q_len 4K"));
        CliRunner r = CliRunner.run("simulate", huge.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("attnkit: error: kernel prefill would launch about 268,435,456 CTAs (batch 131072 x heads 64 x blocks "
                + "of queries), more than --max-ctas 1048576; simulate a smaller shape, or raise --max-ctas "
                + "(time and memory grow with it)", r.err().strip());
        assertEquals("", r.out());

        Path k = file(CAUSAL); // 8 heads x 16 blocks of 128 queries, 32 blocks of 64 keys
        assertEquals(2, CliRunner.run("simulate", k.toString(), "--pass", "fwd+bwd", "--max-ctas", "383").exitCode());
        assertEquals(0, CliRunner.run("simulate", k.toString(), "--pass", "fwd+bwd", "--max-ctas", "384").exitCode());
        // Packed: 2 KV heads x 63 blocks of 128 of the 4 x 2000 packed rows.
        CliRunner packed = CliRunner.run("simulate", k.toString(), "--pack-gqa", "--max-ctas", "125");
        assertEquals("attnkit: error: kernel prefill would launch about 126 CTAs (batch 1 x KV heads 2 x blocks of packed "
                + "query rows), more than --max-ctas 125; simulate a smaller shape, or raise --max-ctas "
                + "(time and memory grow with it)", packed.err().strip());
        assertEquals(0, CliRunner.run("simulate", k.toString(), "--pack-gqa", "--max-ctas", "126").exitCode());
        // A packed forward, then the backward per query head: 126 + 8 x 32.
        CliRunner step = CliRunner.run("simulate", k.toString(), "--pack-gqa", "--pass", "fwd+bwd", "--max-ctas", "381");
        assertEquals("attnkit: error: kernel prefill would launch about 382 CTAs (batch 1 x KV heads 2 x blocks of packed "
                + "query rows, then heads 8 x blocks of keys), more than --max-ctas 381; simulate a smaller shape, or raise "
                + "--max-ctas (time and memory grow with it)", step.err().strip());
        assertEquals(0, CliRunner.run("simulate", k.toString(), "--pack-gqa", "--pass", "fwd+bwd", "--max-ctas", "382").exitCode());
        // Split-KV multiplies the forward's grid, and the message says by how much: 8 x 16 x 3.
        CliRunner split = CliRunner.run("simulate", k.toString(), "--kv-splits", "3", "--max-ctas", "383");
        assertEquals("attnkit: error: kernel prefill would launch about 384 CTAs (batch 1 x heads 8 x blocks of queries "
                + "x 3 key splits), more than --max-ctas 383; simulate a smaller shape, or raise --max-ctas "
                + "(time and memory grow with it)", split.err().strip());
        assertEquals(0, CliRunner.run("simulate", k.toString(), "--kv-splits", "3", "--max-ctas", "384").exitCode());
        // FlashAttention-1: a CTA per head whose program has a segment per K/V block. 2^31 keys ran
        // out of memory after a minute; here 8 heads x 32 blocks of 64 keys, twice.
        Path fa1 = file(CAUSAL.replace("tile q 128, kv 64", "tile q 16, kv 64"));
        CliRunner flash1 = CliRunner.run("simulate", fa1.toString(), "--schedule", "flash1", "--pass", "fwd+bwd", "--max-ctas", "511");
        assertEquals("attnkit: error: kernel prefill would walk about 512 K/V blocks (batch 1 x heads 8 x K/V blocks, once per "
                + "pass), more than --max-ctas 511; simulate a smaller shape, or raise --max-ctas (time and memory grow with it)",
                flash1.err().strip());
        CliRunner fits = CliRunner.run("simulate", fa1.toString(), "--schedule", "flash1", "--pass", "fwd+bwd", "--max-ctas", "512");
        assertEquals(0, fits.exitCode(), fits.err());
    }

    /**
     * A split count of 2^31 made the estimate wrap around past 2^63 to a negative number that
     * passed the check, and grids past 2^31 CTAs crashed the engine with an index out of bounds;
     * standard attention's cost, its walks over S, was not estimated at all (128K tokens ran for
     * hours). All are refused in one line.
     */
    @Test
    void gridsPastWhatTheEngineHoldsAndStandardAttentionAtLongContextAreRefused() throws IOException {
        Path vast = file("""
                kernel vast { shape batch 1048576, heads 8192, q_len 1, kv_len 1, head_dim 1; dtype bf16;
                  tile q 1, kv 1, stages 1, warps 1; target h100-sxm; }
                """);
        CliRunner split = CliRunner.run("simulate", vast.toString(), "--kv-splits", "2147483647");
        assertEquals(2, split.exitCode(), split.err());
        assertTrue(split.err().startsWith("attnkit: error: kernel vast would launch about 8,589,934,592 CTAs"), split.err());
        CliRunner raised = CliRunner.run("simulate", vast.toString(), "--max-ctas", "99999999999");
        assertEquals(2, raised.exitCode(), raised.err());
        assertEquals("attnkit: error: kernel vast would launch about 8,589,934,592 CTAs; the simulator takes at most "
                + "1,073,741,824 in a run, whatever --max-ctas says", raised.err().strip());
        assertEquals(2, CliRunner.run("simulate", vast.toString(), "--max-ctas", "-5").exitCode());

        Path longContext = file(CAUSAL.replace("q_len 2000", "q_len 128K"));
        CliRunner standard = CliRunner.run("simulate", longContext.toString(), "--schedule", "standard");
        assertEquals(2, standard.exitCode(), standard.err());
        assertEquals("attnkit: error: kernel prefill would walk about 8,388,608 tiles of S (batch 1 x heads 8 x 1024 x 1024 "
                + "blocks of S of 128 x 128), more than --max-ctas 1048576; simulate a smaller shape, or raise --max-ctas "
                + "(time and memory grow with it)", standard.err().strip());
        // the factors shown multiply to the count: query and key blocks of their own lengths, and both passes
        Path uneven = file(CAUSAL.replace("q_len 2000", "q_len 1000, kv_len 200K").replace("mask causal;", ""));
        CliRunner both = CliRunner.run("simulate", uneven.toString(), "--schedule", "standard", "--pass", "fwd+bwd",
                "--max-ctas", "1000");
        assertEquals(2, both.exitCode(), both.err());
        assertTrue(both.err().startsWith("attnkit: error: kernel prefill would walk about 204,800 tiles of S (batch 1 x heads 8 "
                + "x 8 x 1600 blocks of S of 128 x 128 x 2 passes), more than --max-ctas 1000"), both.err());
    }

    /** The reporter's --registers 1: "1 registers" in the first line. */
    @Test
    void oneRegisterIsSingular() throws IOException {
        Path k = file(CAUSAL);
        CliRunner r = CliRunner.run("simulate", k.toString(), "--registers", "1", "--smem", "1000");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().lines().findFirst().orElseThrow().endsWith(", 1 register per thread and 1000 B shared memory per CTA given"),
                r.out());
    }

    /** Every option that moves the numbers is in the report's first line and the JSON, so saved runs can be told apart. */
    @Test
    void theOptionsThatMoveTheNumbersAreRecorded() throws IOException {
        Path k = file(CAUSAL);
        CliRunner r = CliRunner.run("simulate", k.toString(), "--overlap-ctas", "--registers", "128", "--smem", "65536",
                "--dropout", "1e-320", "--pass", "fwd+bwd");
        assertEquals(0, r.exitCode(), r.err());
        String first = r.out().lines().findFirst().orElseThrow();
        assertEquals("kernel prefill on h100-sxm: schedule flash, pass fwd+bwd, raster q-major, L2 model, dropout 1E-320, "
                + "CTAs overlapping, 128 registers per thread and 65536 B shared memory per CTA given", first);
        assertTrue(r.out().contains("visited in each pass ("), r.out());
        CliRunner nearlyAll = CliRunner.run("simulate", k.toString(), "--dropout", "0.99999999");
        assertTrue(nearlyAll.out().lines().findFirst().orElseThrow().endsWith(", dropout 0.99999999"),
                "as given, not rounded to a dropout of 1: " + nearlyAll.out());
        CliRunner json = CliRunner.run("simulate", k.toString(), "--overlap-ctas", "--registers", "128", "--smem", "65536",
                "--json", "-");
        JsonNode root = new ObjectMapper().readTree(json.out());
        assertTrue(root.get("overlap_ctas").asBoolean());
        assertEquals(128, root.get("resources").get("registers_per_thread").asInt());
        assertEquals(65536, root.get("resources").get("shared_mem_per_cta").asLong());
        JsonNode plain = new ObjectMapper().readTree(CliRunner.run("simulate", k.toString(), "--json", "-").out());
        assertNull(plain.get("overlap_ctas"));
        assertNull(plain.get("resources"));
        assertNull(plain.get("selection"), "a static mask decides nothing on data");

        CliRunner standard = CliRunner.run("simulate", k.toString(), "--schedule", "standard");
        assertTrue(standard.out().contains("of the block map visible (") && standard.out().contains("compute all of S"),
                standard.out());
    }

    /** A sweep is the file simulated once per value: each point equals the run of the file with that value written in. */
    @Test
    void aSweepEqualsTheRunsOfTheFileWithEachValueWrittenIn() throws IOException {
        Random random = new Random(5);
        int odd = 1001 + 2 * random.nextInt(500);
        Path k = file(CAUSAL);
        CliRunner sweep = CliRunner.run("simulate", k.toString(), "--sweep", "q_len=" + odd + ", 2000", "--json", "-");
        assertEquals(0, sweep.exitCode(), sweep.err());
        JsonNode root = new ObjectMapper().readTree(sweep.out());
        assertEquals("[\"q_len\"]", root.get("sweep").toString());
        assertEquals(2, root.get("points").size());
        for (int i = 0; i < 2; i++) {
            var point = (com.fasterxml.jackson.databind.node.ObjectNode) root.get("points").get(i);
            String value = point.remove("sweep_values").get("q_len").asText();
            // kv_len is not written in the file: it follows q_len, as in a file that says q_len VALUE
            Path alone = dir.resolve("alone" + i + ".attn");
            Files.writeString(alone, CAUSAL.replace("q_len 2000", "q_len " + value));
            JsonNode single = new ObjectMapper().readTree(CliRunner.run("simulate", alone.toString(), "--json", "-").out());
            assertEquals(single, point, "point " + value);
        }
        CliRunner text = CliRunner.run("simulate", k.toString(), "--sweep", "v_dim=32,64,128");
        assertEquals(0, text.exitCode(), text.err());
        List<String> lines = text.out().lines().toList();
        assertTrue(lines.getFirst().endsWith(", swept over v_dim") && lines.get(1).trim().startsWith("v_dim"), text.out());
        assertEquals(3, lines.stream().filter(l -> l.matches("  (32|64|128) .*")).count(), text.out());

        // Two sweeps: every combination, the first slowest; a tile setting the file leaves out is added.
        Path untiled = dir.resolve("untiled.attn");
        Files.writeString(untiled, CAUSAL.replace("  tile q 128, kv 64, stages 2;\n", ""));
        CliRunner grid = CliRunner.run("simulate", untiled.toString(), "--sweep", "q_len=512,1K", "--sweep", "tile.q=64,128",
                "--json", "-");
        assertEquals(0, grid.exitCode(), grid.err());
        List<String> seen = new java.util.ArrayList<>();
        new ObjectMapper().readTree(grid.out()).get("points").forEach(p -> seen.add(p.get("sweep_values").toString()));
        assertEquals(List.of("{\"q_len\":\"512\",\"tile.q\":\"64\"}", "{\"q_len\":\"512\",\"tile.q\":\"128\"}",
                "{\"q_len\":\"1K\",\"tile.q\":\"64\"}", "{\"q_len\":\"1K\",\"tile.q\":\"128\"}"), seen);
        Path tiled = dir.resolve("tiled.attn");
        Files.writeString(tiled, CAUSAL.replace("q_len 2000", "q_len 1K").replace("tile q 128, kv 64, stages 2", "tile q 64"));
        JsonNode last = new ObjectMapper().readTree(grid.out()).get("points").get(2);
        ((com.fasterxml.jackson.databind.node.ObjectNode) last).remove("sweep_values");
        assertEquals(new ObjectMapper().readTree(CliRunner.run("simulate", tiled.toString(), "--json", "-").out()), last);
        // A point whose tensors overflow the device is flagged as a single run would be, naming the point.
        Path tiny = dir.resolve("tiny.attn");
        Files.writeString(tiny, """
                target tiny extends h100-sxm { hbm 48 MiB, 3350 GB/s; }
                kernel k { shape heads 8, q_len 2K, head_dim 128; dtype bf16; tile q 128, kv 64, stages 2; target tiny; }
                """);
        CliRunner big = CliRunner.run("simulate", tiny.toString(), "--sweep", "batch=1,4");
        assertEquals(0, big.exitCode(), big.err());
        assertTrue(big.err().contains("warning: batch 4: Q, K, V and O take 67.11 MB") && !big.err().contains("batch 1:"),
                big.err());
        CliRunner timed = CliRunner.run("simulate", k.toString(), "--sweep", "heads=2,4", "--sweep", "kv_heads=1,2", "--bench");
        assertEquals(4, timed.out().lines().filter(l -> l.matches("  simulation   heads [24], kv_heads [12]: .* s wall-clock.*"))
                .count(), timed.out());
        CliRunner tooMany = CliRunner.run("simulate", k.toString(), "--sweep", "q_len=1,2,3,4,5,6,7,8,9", "--sweep",
                "batch=1,2,3,4,5,6,7,8");
        assertEquals(2, tooMany.exitCode());
        assertEquals("attnkit: error: --sweep asks for 72 simulations; at most 64", tooMany.err().strip());

    }

    /**
     * Points run as many at once as there are cores; the same point four times, a data-dependent
     * kernel's selection included, gives four results equal to the single run's.
     */
    @Test
    void pointsSimulatedAtOnceEqualTheSingleRun() throws IOException {
        for (String kernel : new String[] {CAUSAL, TOP_K}) {
            Path k = file(kernel);
            JsonNode single = new ObjectMapper().readTree(CliRunner.run("simulate", k.toString(), "--json", "-").out());
            CliRunner same = CliRunner.run("simulate", k.toString(), "--sweep", "target=h100-sxm,h100-sxm,h100-sxm,h100-sxm",
                    "--json", "-");
            assertEquals(0, same.exitCode(), same.err());
            JsonNode points = new ObjectMapper().readTree(same.out()).get("points");
            assertEquals(4, points.size());
            for (JsonNode point : points) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) point).remove("sweep_values");
                assertEquals(single, point, kernel);
            }
        }
    }

    /** A target sweep runs each point as --target would, and says how each ran where they differ. */
    @Test
    void aCpuSweepGivesItsRatesInGflopsAsTheSingleRunDoes() throws IOException {
        Path k = dir.resolve("cpu.attn");
        Files.writeString(k, "kernel c { shape heads 4, q_len 512, head_dim 64; tile q 64, kv 64; mask causal; target host-zen5-2c; }\n");
        CliRunner sweep = CliRunner.run("simulate", k.toString(), "--sweep", "tile.q=32,64");
        assertEquals(0, sweep.exitCode(), sweep.err());
        assertTrue(sweep.out().contains("GFLOP/s") && !sweep.out().contains("TFLOP/s"), sweep.out());
        // the 64-row point's rate, as the single run of the same file prints it
        String single = CliRunner.run("simulate", k.toString()).out();
        Matcher m = Pattern.compile("throughput +([0-9.]+) GFLOP/s").matcher(single);
        assertTrue(m.find(), single);
        String row = sweep.out().lines().filter(l -> l.trim().startsWith("64 ")).findFirst().orElseThrow();
        assertTrue(row.contains(" " + m.group(1) + " "), row + " against " + m.group(1));
    }

    @Test
    void aTargetSweepRunsEachPointAsTargetWould() throws IOException {
        Path k = file(CAUSAL);
        // Targets: each point is the run with --target.
        CliRunner targets = CliRunner.run("simulate", k.toString(), "--sweep", "target=a100-40gb,h200", "--json", "-");
        assertEquals(0, targets.exitCode(), targets.err());
        JsonNode byTarget = new ObjectMapper().readTree(targets.out()).get("points");
        for (int i = 0; i < 2; i++) {
            var point = (com.fasterxml.jackson.databind.node.ObjectNode) byTarget.get(i);
            String name = point.remove("sweep_values").get("target").asText();
            assertEquals(new ObjectMapper().readTree(CliRunner.run("simulate", k.toString(), "--target", name, "--json", "-").out()),
                    point, name);
        }
        assertEquals(2, CliRunner.run("simulate", k.toString(), "--sweep", "target=h200", "--target", "h200").exitCode());
        // A file whose own target its tiles overflow still sweeps the targets they fit, as --target would run it.
        Path small = dir.resolve("small.attn");
        Files.writeString(small, """
                target tiny extends h100-sxm { smem 64 KiB/sm, 64 KiB/block; sms 4; }
                kernel k { shape heads 2, q_len 256, head_dim 128; dtype bf16; tile q 64, kv 64, stages 2; target tiny; }
                """);
        assertEquals(1, CliRunner.run("simulate", small.toString()).exitCode());
        CliRunner rescued = CliRunner.run("simulate", small.toString(), "--sweep", "target=h100-sxm,a100-40gb");
        assertEquals(0, rescued.exitCode(), rescued.err());
        // Tiles the first swept target refuses, when the swept tiles fit it: only the points are
        // checked, whichever target comes first, and each point is still the single run.
        Path wide = dir.resolve("wide.attn");
        Files.writeString(wide, """
                target tiny extends h100-sxm { smem 64 KiB/sm, 64 KiB/block; sms 4; }
                kernel k { shape heads 2, q_len 256, head_dim 128; dtype bf16; tile q 128, kv 128, stages 2; target h100-sxm; }
                """);
        CliRunner narrowed = CliRunner.run("simulate", wide.toString(), "--sweep", "target=tiny,h100-sxm", "--sweep",
                "tile.q=32", "--sweep", "tile.kv=32", "--json", "-");
        assertEquals(0, narrowed.exitCode(), narrowed.err());
        Files.writeString(small, Files.readString(wide).replace("tile q 128, kv 128", "tile q 32, kv 32"));
        var tinyPoint = (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(narrowed.out())
                .get("points").get(0);
        tinyPoint.remove("sweep_values");
        assertEquals(new ObjectMapper().readTree(CliRunner.run("simulate", small.toString(), "--target", "tiny", "--json", "-")
                .out()), tinyPoint);
        assertEquals(0, CliRunner.run("simulate", wide.toString(), "--target", "tiny", "--sweep", "tile.q=32", "--sweep",
                "tile.kv=32").exitCode());
        // A file that fails with its first point's values too reports its own errors at their line.
        CliRunner stillTooWide = CliRunner.run("simulate", wide.toString(), "--target", "tiny", "--sweep", "tile.q=32");
        assertEquals(1, stillTooWide.exitCode());
        assertTrue(stillTooWide.err().contains(wide + ":2:") && stillTooWide.err().contains("error[E030]")
                && stillTooWide.err().strip().endsWith("attnkit: error: '" + wide + "' has errors"), stillTooWide.err());
        // The first swept target refusing a file that fits its own is named as a later one would be.
        Path fits = dir.resolve("fits.attn");
        Files.writeString(fits, Files.readString(wide).replace("tile q 128, kv 128", "tile q 64, kv 64"));
        assertEquals(0, CliRunner.run("check", fits.toString()).exitCode());
        CliRunner firstRefuses = CliRunner.run("simulate", fits.toString(), "--sweep", "target=tiny,h100-sxm");
        assertEquals(1, firstRefuses.exitCode(), firstRefuses.err());
        assertFalse(firstRefuses.err().contains("rewrote"), "a swept target rewrites no line: " + firstRefuses.err());
        assertTrue(firstRefuses.err().contains("error[E030]") && firstRefuses.err().strip().endsWith(
                "attnkit: error: --sweep target tiny: '" + fits + "' has errors with that value"), firstRefuses.err());
        CliRunner laterRefuses = CliRunner.run("simulate", fits.toString(), "--sweep", "target=h100-sxm,tiny");
        assertTrue(laterRefuses.err().strip().endsWith("attnkit: error: --sweep target tiny: '" + fits
                + "' has errors with that value"), laterRefuses.err());
        // A CPU beside a GPU: the header lists how each point ran, and the columns name DRAM and caches.
        CliRunner mixed = CliRunner.run("simulate", k.toString(), "--sweep", "target=host-zen5-2c,h100-sxm", "--sweep",
                "q_len=512");
        assertEquals(0, mixed.exitCode(), mixed.err());
        List<String> mixedLines = mixed.out().lines().toList();
        assertEquals("kernel prefill, swept over target x q_len; the points ran differently:", mixedLines.get(0));
        assertTrue(mixedLines.get(1).startsWith("    host-zen5-2c, 512: the Java backend's kernel")
                && mixedLines.get(2).startsWith("    h100-sxm, 512: schedule flash") && mixedLines.get(3).contains("DRAM read")
                && mixedLines.get(3).contains("cache reads"), mixed.out());
    }

    /**
     * The user's report: a sweep point's error quoted the rewritten line ("q_len 0") at the file's
     * line and column, as if the file said so. The line is marked as the point's rewrite, whether
     * the point is the first (checked before the others, as the file) or a later one; a line the
     * sweep did not rewrite (a swept target refusing the tiles, in aTargetSweepRunsEachPointAsTargetWould) is
     * quoted without the mark.
     */
    @Test
    void aSweptPointsErrorSaysTheLineIsTheSweepsRewrite() throws IOException {
        Path k = file(CAUSAL);
        String mark = "= note: line 2 is shown as --sweep rewrote it for the point q_len 0, not as the file has it";
        for (String values : new String[] {"q_len=0", "q_len=1K,0"}) {
            CliRunner r = CliRunner.run("simulate", k.toString(), "--sweep", values);
            assertEquals(1, r.exitCode(), r.err());
            assertTrue(r.err().startsWith(k + ":2:") && r.err().contains("error[E017]") && r.err().contains(" 2 |   shape heads 8, "
                    + "kv_heads 2, q_len 0, head_dim 64;") && r.err().contains(mark), values + ": " + r.err());
        }
        CliRunner two = CliRunner.run("simulate", k.toString(), "--sweep", "q_len=0", "--sweep", "tile.q=64");
        assertTrue(two.err().contains("for the point q_len 0, tile.q 64, not as"), two.err());
    }

    /**
     * The user's report: --l2 model on a 256 KiB L2 read 3.6x fewer DRAM bytes than --l2 exact
     * without a word. The text says so, standard error does where the JSON takes standard output
     * (the JSON itself, byte for byte the same for the same input, carries no notes), and so does
     * each point of a sweep; --l2 exact and a GPU's own L2 say nothing.
     */
    @Test
    void theL2ModelBelowTheSizesItIsHeldToSaysToRunExact() throws IOException {
        Path k = file("target l2_256k extends h100-sxm { l2 256 KiB, 12 TB/s, latency 153 ns; }\n"
                + CAUSAL.replace("target h100-sxm", "target l2_256k"));
        String note = "note         l2_256k's L2 of 256 KiB is below the 512 KiB the L2 reuse model is held to the exact cache "
                + "from; the DRAM bytes may be far too few: run with --l2 exact";
        CliRunner text = CliRunner.run("simulate", k.toString());
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("\n  " + note + "\n"), text.out());
        CliRunner json = CliRunner.run("simulate", k.toString(), "--json", "-");
        assertTrue(json.err().contains("note: " + note.substring("note         ".length())), json.err());
        assertEquals(json.out(), CliRunner.run("simulate", k.toString(), "--json", "-").out());
        CliRunner sweep = CliRunner.run("simulate", k.toString(), "--sweep", "q_len=1K,2K");
        assertTrue(sweep.err().contains("note: q_len 1K: l2_256k's L2 of 256 KiB is below")
                && sweep.err().contains("note: q_len 2K: l2_256k's L2"), sweep.err());
        assertFalse(CliRunner.run("simulate", k.toString(), "--l2", "exact").out().contains("note  "));
        assertFalse(CliRunner.run("simulate", k.toString(), "--target", "h100-sxm").out().contains("note  "));
    }

    /** A file whose kernels all come from its imports names them, since --kernel is what it needs. */
    @Test
    void aFileThatOnlyImportsKernelsNamesThem() throws IOException {
        Path k = file(CAUSAL);
        Path importer = dir.resolve("importer.attn");
        Files.writeString(importer, "import \"" + k.getFileName() + "\";\n");
        CliRunner r = CliRunner.run("simulate", importer.toString());
        assertEquals(2, r.exitCode());
        assertEquals("attnkit: error: '" + importer + "' declares no kernel of its own; it imports prefill: choose one "
                + "with --kernel", r.err().strip());
        assertEquals(0, CliRunner.run("simulate", importer.toString(), "--kernel", "prefill").exitCode());
    }

    /** Points that cannot run are refused, naming the point, before any is simulated; bad options are usage errors. */
    @Test
    void sweepPointsThatCannotRunAreRefusedFirst() throws IOException {
        Path k = file(CAUSAL);
        for (String[] refused : new String[][] {{"--sweep", "target=h100-sxm,nosuch"}, {"--sweep", "kv_heads=2,8", "--pack-gqa"},
                {"--sweep", "target=h100-sxm,host-zen5-2c", "--kv-splits", "2"}}) {
            CliRunner r = CliRunner.run(java.util.stream.Stream.concat(java.util.stream.Stream.of("simulate", k.toString()),
                    java.util.Arrays.stream(refused)).toArray(String[]::new));
            assertEquals(2, r.exitCode(), String.join(" ", refused) + ": " + r.err());
            assertTrue(r.err().startsWith("attnkit: error: --sweep ") && r.out().isEmpty(), r.err());
        }
        assertTrue(CliRunner.run("simulate", k.toString(), "--sweep", "kv_heads=2,8", "--pack-gqa").err()
                .startsWith("attnkit: error: --sweep kv_heads 8: "));
        assertEquals(0, CliRunner.run("simulate", k.toString(), "--sweep", "q_len=1Ki,2K", "--max-ctas", "1000").exitCode());
        // A value the language refuses is reported where it lands in the file, before anything is simulated.
        CliRunner bad = CliRunner.run("simulate", k.toString(), "--sweep", "kv_heads=2,3");
        assertEquals(1, bad.exitCode(), bad.err());
        assertEquals("", bad.out());
        assertTrue(bad.err().startsWith(k + ":2:") && bad.err().contains("error[E023]")
                && bad.err().strip().endsWith("attnkit: error: --sweep kv_heads 3: '" + k + "' has errors with that value"),
                bad.err());
        String many = String.join(",", java.util.Collections.nCopies(10_000, "7"));
        for (String[] usage : new String[][] {{"--sweep", "tile=64"}, {"--sweep", "q_len=1K;mask dense"}, {"--sweep", "q_len="},
                {"--sweep", "q_len=" + many, "--sweep", "kv_len=" + many, "--sweep", "batch=" + many, "--sweep", "heads=" + many,
                        "--sweep", "head_dim=" + many}, {"--sweep", "q_len=1K", "--k", dir.resolve("k.npy").toString()},
                {"--sweep", "q_len=1K", "--trace", dir.resolve("t.json").toString()}}) {
            CliRunner r = CliRunner.run(java.util.stream.Stream.concat(java.util.stream.Stream.of("simulate", k.toString()),
                    java.util.Arrays.stream(usage)).toArray(String[]::new));
            assertEquals(2, r.exitCode(), String.join(" ", usage) + ": " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        }
        // Each value is read as the language reads a count, and the one it refuses is named.
        CliRunner lower = CliRunner.run("simulate", k.toString(), "--sweep", "q_len=2Ki,1M,1Mi,1k");
        assertEquals(2, lower.exitCode(), lower.err());
        assertEquals("attnkit: error: --sweep q_len: '1k' is not a count; it takes counts as the language writes them "
                + "(1024, 1e3, 128K, 1Mi; suffixes K, Ki (1024), M, Mi (1024^2), G, Gi (1024^3)), comma-separated",
                lower.err().strip());
        for (String junk : new String[] {"1K#", "1K/sm", "-5", "1 K 2", "0x10"}) {
            CliRunner r = CliRunner.run("simulate", k.toString(), "--sweep", "q_len=512," + junk);
            assertEquals(2, r.exitCode(), junk + ": " + r.err());
            assertTrue(r.err().startsWith("attnkit: error: --sweep q_len: '" + junk + "' is not a count;"), r.err());
        }
        assertTrue(CliRunner.run("simulate", k.toString(), "--sweep", "q_len=512,,1K").err()
                .startsWith("attnkit: error: --sweep q_len: an empty value is not a count;"));
        CliRunner exponent = CliRunner.run("simulate", k.toString(), "--sweep", "q_len=1e3,512");
        assertEquals(0, exponent.exitCode(), exponent.err());
        assertTrue(exponent.out().contains("1e3"), exponent.out());
    }

    /** Options that could change nothing are refused where that is known up front, and noted where it is found out. */
    @Test
    void optionsThatChangeNothingAreRefusedOrNoted() throws IOException {
        Path k = file(CAUSAL.replace("tile q 128", "tile q 64"));
        CliRunner raster = CliRunner.run("simulate", k.toString(), "--schedule", "flash1", "--raster", "head-major");
        assertEquals(2, raster.exitCode(), raster.err());
        assertEquals("attnkit: error: the flash1 schedule launches one CTA per head, which walks all of its rows: there is no "
                + "raster order to choose", raster.err().strip());
        // FlashAttention-1 on 8 heads: 8 CTAs for 132 SMs, each alone on its SM although two would fit.
        CliRunner alone = CliRunner.run("simulate", k.toString(), "--schedule", "flash1", "--overlap-ctas");
        assertEquals(0, alone.exitCode(), alone.err());
        assertTrue(alone.out().contains("note: --overlap-ctas changed nothing: no SM ever held two CTAs at once"), alone.out());
        CliRunner shared = CliRunner.run("simulate", k.toString(), "--overlap-ctas");
        assertFalse(shared.out().contains("changed nothing"), shared.out());
        CliRunner plain = CliRunner.run("simulate", k.toString());
        assertFalse(plain.out().lines().skip(1).toList().equals(shared.out().lines().skip(1).toList()),
                "without the note, overlapping moved the numbers");
    }

    /** A hit rate of nothing looked up is n/a in the text and null in the JSON, not 0% (all misses) or 100%. */
    @Test
    void aRateOfNothingLookedUpIsNotANumber() throws IOException {
        Random random = new Random(11);
        Path k = file("kernel nothing { shape batch 1, heads 2, q_len " + (100 + random.nextInt(900)) + ", head_dim 64; "
                + "dtype f16; tile q 64, kv 64, stages 2, warps 4; mask !dense; target h100-sxm; }");
        CliRunner text = CliRunner.run("simulate", k.toString());
        assertTrue(text.out().contains("0 visited") && text.out().contains("(reads n/a)"), text.out());
        JsonNode root = new ObjectMapper().readTree(CliRunner.run("simulate", k.toString(), "--json", "-").out());
        assertTrue(root.get("summary").get("l2_read_hit_rate_pct").isNull(), root.toString());
        assertEquals(100.0, root.get("summary").get("l2_hit_rate_pct").asDouble(), "O and the log-sum-exp are written");
    }

    /** Packed grouped heads are named in the first line and the JSON, and refused where they mean nothing. */
    @Test
    void packingGroupedHeadsIsRecordedAndRefusedOutsideTheFlashForward() throws IOException {
        Path k = file(CAUSAL);
        CliRunner r = CliRunner.run("simulate", k.toString(), "--pack-gqa");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("kernel prefill on h100-sxm: schedule flash, pass fwd, raster q-major, L2 model, query heads packed per KV head",
                r.out().lines().findFirst().orElseThrow());
        assertTrue(new ObjectMapper().readTree(CliRunner.run("simulate", k.toString(), "--pack-gqa", "--json", "-").out())
                .get("pack_gqa").asBoolean());
        for (String[] option : new String[][] {{"--pass", "bwd"}, {"--schedule", "standard"}}) {
            CliRunner bad = CliRunner.run("simulate", k.toString(), "--pack-gqa", option[0], option[1]);
            assertEquals(2, bad.exitCode(), bad.err());
            assertEquals("attnkit: error: packing grouped heads applies to the forward of the flash schedule on a GPU target",
                    bad.err().strip());
        }
        CliRunner ungrouped = CliRunner.run("simulate", file(CAUSAL.replace("kv_heads 2, ", "")).toString(), "--pack-gqa");
        assertEquals(2, ungrouped.exitCode(), ungrouped.err());
        assertEquals("attnkit: error: packing grouped heads needs more query heads than KV heads (heads 8, kv_heads 8)",
                ungrouped.err().strip());
    }

    /**
     * A decode of 137 GB of K and V on an 80 GiB H100 used to report its time like any other run.
     * The bytes of Q, K, V and O (a lower bound of the footprint) and the device's memory are in
     * the JSON, and the report warns when they do not fit, on standard error in JSON mode.
     */
    @Test
    void tensorsThatDoNotFitTheDeviceAreFlagged() throws IOException {
        Path k = file("""
                target tiny extends h100-sxm { hbm 48 MiB, 3350 GB/s; }
                kernel k { shape heads 8, q_len 8K, head_dim 128; dtype bf16; tile q 128, kv 64, stages 2; mask causal;
                  target tiny; }
                """);
        CliRunner r = CliRunner.run("simulate", k.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("warning      Q, K, V and O take 67.11 MB, more than the 50.33 MB of tiny: "
                + "the run would not fit the device"), r.out());
        CliRunner json = CliRunner.run("simulate", k.toString(), "--json", "-");
        JsonNode summary = new ObjectMapper().readTree(json.out()).get("summary");
        assertEquals(4.0 * 8 * 8192 * 128 * 2, summary.get("tensor_bytes").asDouble(), "Q, K, V and O in bf16");
        assertEquals(48L << 20, summary.get("device_memory_bytes").asLong());
        assertTrue(json.err().contains("warning: Q, K, V and O take 67.11 MB"), json.err());
        assertFalse(CliRunner.run("simulate", file(CAUSAL).toString()).out().contains("warning"));
    }

    /** A backward whose tiles overflow shared memory is refused before the forward is simulated, with the tile that would fit. */
    @Test
    void aBackwardThatDoesNotFitIsRefusedBeforeTheForward() throws IOException {
        CliRunner r = CliRunner.run("simulate", file(CAUSAL).toString(), "--schedule", "flash1", "--pass", "fwd+bwd");
        assertEquals(1, r.exitCode(), r.err());
        assertEquals("attnkit: error: the flash1 backward does not fit h100-sxm: a CTA needs 360448 B of shared memory; "
                + "h100-sxm allows 232448 B per block; tile q 64 (instead of 128) would fit", r.err().strip());
        assertEquals("", r.out(), "nothing simulated");
        CliRunner smaller = CliRunner.run("simulate", file(CAUSAL.replace("tile q 128", "tile q 64")).toString(),
                "--schedule", "flash1", "--pass", "fwd+bwd");
        assertEquals(0, smaller.exitCode(), smaller.err());
        // Warps 32 run forward (1024 threads), but the backward runs twice the warps: 2048 threads, at any tile.
        Path wide = file(CAUSAL.replace("stages 2;", "stages 2, warps 32;"));
        assertEquals(0, CliRunner.run("simulate", wide.toString()).exitCode());
        CliRunner warps = CliRunner.run("simulate", wide.toString(), "--pass", "bwd");
        assertEquals(1, warps.exitCode(), warps.err());
        assertTrue(warps.err().strip().endsWith("; warps 16 (instead of 32) would fit"), warps.err());
        CliRunner fewer = CliRunner.run("simulate", file(CAUSAL.replace("stages 2;", "stages 2, warps 16;")).toString(),
                "--pass", "bwd");
        assertEquals(0, fewer.exitCode(), fewer.err());
    }

    /** --target naming a target with errors prints their diagnostics, exit code 1, as check does. */
    @Test
    void aBrokenTargetChosenWithTargetShowsItsDiagnostics() throws IOException {
        Path k = file("target t extends h100-sxm { clock fast; }\n" + CAUSAL);
        for (String command : new String[] {"simulate", "check"}) {
            CliRunner r = CliRunner.run(command, k.toString(), "--target", "t");
            assertEquals(1, r.exitCode(), r.err());
            assertTrue(r.err().startsWith(k + ":1:35: error[E015]: expected a clock frequency, found 'fast'"), r.err());
        }
    }

    /** -V after a subcommand prints the version, as it does after attnkit. */
    @Test
    void subcommandVersionPrintsTheVersion() {
        CliRunner r = CliRunner.run("simulate", "-V");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(CliRunner.run("-V").out(), r.out());
        assertTrue(r.out().startsWith("attnkit "), r.out());
    }
}
