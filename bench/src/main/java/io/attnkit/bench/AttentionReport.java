package io.attnkit.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the FMA-peak benchmark and the attention benchmarks in one go and prints the table of
 * BENCHMARKS.md: time per pass, GFLOP/s, percentage of the measured FMA peak, and the ratios the
 * goals of issue 3 name. With {@code --numpy}, also times the NumPy/OpenBLAS standard attention
 * ({@code tools/numpy_attention_bench.py}) on the same machine in the same run.
 *
 * <p>Usage: {@code AttentionReport [--quick] [--numpy] [--kernels id,id] [--impls vector,scalar,reference]}.
 */
public final class AttentionReport {
    private AttentionReport() {
    }

    public static void main(String[] args) throws RunnerException, IOException, InterruptedException {
        boolean quick = false;
        boolean numpy = false;
        List<String> kernels = List.of("dense-4k", "causal-4k", "dense-32k", "window2048-32k");
        List<String> impls = List.of("vector", "scalar", "reference");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--numpy" -> numpy = true;
                case "--kernels" -> kernels = List.of(args[++i].split(","));
                case "--impls" -> impls = List.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        int cores = Runtime.getRuntime().availableProcessors();
        RunResult fma = new Runner(options(FmaPeakBench.class.getName() + ".fma", quick, false).build()).runSingle();
        // A peak is the best the machine did: the fastest measured iteration.
        double best = fma.getBenchmarkResults().stream().flatMap(b -> b.getIterationResults().stream())
                .mapToDouble(i -> i.getPrimaryResult().getScore()).max().orElseThrow();
        double peak = best * FmaPeakBench.flopsPerCall() / 1e9;
        System.out.printf(Locale.ROOT, "%n## Measured FMA peak: %.1f GFLOP/s (best iteration; mean %.1f) on %d threads, %d f32 lanes%n",
                peak, fma.getPrimaryResult().getScore() * FmaPeakBench.flopsPerCall() / 1e9, cores, FmaPeakBench.F.length());
        System.out.printf(Locale.ROOT, "%s, %s %s, %s %s%n%n", LocalDate.now(), System.getProperty("java.vm.name"),
                System.getProperty("java.vm.version"), System.getProperty("os.name"), System.getProperty("os.arch"));
        System.out.println("| kernel | impl | ms / pass (mean ± 99.9% CI) | GFLOP/s | % of FMA peak |");
        System.out.println("|---|---|---:|---:|---:|");
        Map<String, Double> ms = new LinkedHashMap<>();
        for (String kernel : kernels) {
            for (String impl : impls) {
                if (!impl.equals("vector") && kernel.equals("dense-32k")) {
                    continue; // the scalar baseline and the float64 oracle need minutes per pass there
                }
                boolean slow = !impl.equals("vector");
                ChainedOptionsBuilder o = options(AttentionBench.class.getName() + ".pass", quick, slow)
                        .param("kernel", kernel).param("impl", impl);
                RunResult r = new Runner(o.build()).runSingle();
                double t = r.getPrimaryResult().getScore();
                double error = r.getPrimaryResult().getScoreError();
                ms.put(kernel + "/" + impl, t);
                double gflops = AttentionBench.flops(BenchKernels.byId(kernel).kernel()) / (t / 1e3) / 1e9;
                System.out.printf(Locale.ROOT, "| %s | %s | %.1f ± %.1f | %.1f | %.1f%% |%n", kernel, impl, t,
                        Double.isNaN(error) ? 0 : error, gflops, 100 * gflops / peak);
            }
        }
        System.out.println();
        ratio(ms, "dense-32k/vector", "window2048-32k/vector", "window(2048) vs dense at N 32K (vector)");
        ratio(ms, "dense-4k/scalar", "dense-4k/vector", "vector vs plain-Java FlashAttention, dense N 4096");
        ratio(ms, "causal-4k/scalar", "causal-4k/vector", "vector vs plain-Java FlashAttention, causal N 4096");
        if (numpy) {
            Double vector = ms.get("dense-4k/vector");
            double numpyMs = numpyMs();
            System.out.printf(Locale.ROOT, "- NumPy/OpenBLAS standard attention, dense N 4096 (8 heads, d 128, f32): %.1f ms / pass%n", numpyMs);
            if (vector != null) {
                System.out.printf(Locale.ROOT, "- vector vs NumPy, dense N 4096: %.2fx%n", numpyMs / vector);
            }
        }
    }

    private static void ratio(Map<String, Double> ms, String slow, String fast, String what) {
        if (ms.containsKey(slow) && ms.containsKey(fast)) {
            System.out.printf(Locale.ROOT, "- %s: %.2fx%n", what, ms.get(slow) / ms.get(fast));
        }
    }

    private static ChainedOptionsBuilder options(String include, boolean quick, boolean slow) {
        int warmups = quick || slow ? 1 : 3;
        int measurements = quick ? 2 : slow ? 3 : 5;
        return new OptionsBuilder().include("^" + include.replace(".", "\\.") + "$")
                .warmupIterations(warmups).warmupTime(TimeValue.seconds(quick ? 1 : 2))
                .measurementIterations(measurements).measurementTime(TimeValue.seconds(quick ? 1 : 2))
                .forks(1).timeUnit(include.endsWith(".fma") ? TimeUnit.SECONDS : TimeUnit.MILLISECONDS)
                .shouldFailOnError(true);
    }

    /** Runs the NumPy benchmark script; its last line is "ms_per_pass X". */
    private static double numpyMs() throws IOException, InterruptedException {
        Path script = Path.of("tools", "numpy_attention_bench.py");
        if (!Files.exists(script)) {
            throw new IOException("run from the repository root: " + script + " not found");
        }
        Process p = new ProcessBuilder(new ArrayList<>(List.of("python3", script.toString(), "--n", "4096", "--heads", "8",
                "--dim", "128"))).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("numpy benchmark failed: " + output.strip());
        }
        String last = output.strip().lines().reduce((a, b) -> b).orElse("");
        if (!last.startsWith("ms_per_pass ")) {
            throw new IOException("unexpected numpy benchmark output: " + output.strip());
        }
        return Double.parseDouble(last.substring("ms_per_pass ".length()));
    }
}
