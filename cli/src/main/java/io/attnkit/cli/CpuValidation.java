package io.attnkit.cli;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.Simulator;
import io.attnkit.targets.BuiltinTargets;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CPU model against the machine at hand: each configuration is simulated on a CPU target and
 * run by the Java backend here, fastest of several runs, so the table says how well the target
 * and the model describe this machine. Timings are only as good as the machine is quiet: the
 * load average before and after each measurement is printed beside it.
 */
final class CpuValidation {
    /** One configuration: the mask statement and the sequence length. */
    record Row(String kernel, String mask, int n) {
    }

    /** Dense, causal and a sliding window, at several lengths: f32, batch 1, 8 heads, d 64, 64 x 64 tiles. */
    static final List<Row> ROWS = List.of(
            new Row("dense", "", 1024), new Row("dense", "", 4096), new Row("dense", "", 8192),
            new Row("causal", "mask causal;", 1024), new Row("causal", "mask causal;", 4096),
            new Row("window(512)", "mask window(512);", 4096));

    /** The rows of {@code --quick}: every kind once, at N 1024. */
    static final List<Row> QUICK = List.of(
            new Row("dense", "", 1024), new Row("causal", "mask causal;", 1024),
            new Row("window(512)", "mask window(512);", 1024));

    record Result(Row row, double predictedSeconds, double measuredSeconds, int runs, double loadBefore, double loadAfter) {
        double error() {
            return predictedSeconds / measuredSeconds - 1;
        }
    }

    private CpuValidation() {
    }

    static String source(Row row) {
        return String.format(Locale.ROOT, "kernel k { shape batch 1, heads 8, q_len %d, head_dim 64; dtype f32; "
                + "tile q 64, kv 64; %s }%n", row.n(), row.mask());
    }

    static KernelSpec kernel(Row row) {
        Frontend.Result r = Frontend.checkText("<cpu validation>", source(row), BuiltinTargets.library());
        if (!r.ok()) {
            throw new IllegalStateException("CPU validation kernel does not check: " + r.diagnostics().sorted());
        }
        return r.program().kernels().getFirst();
    }

    /** Times a kernel file over a number of runs, in seconds: the fastest run. */
    interface Measurement {
        double seconds(Path file, int runs) throws IOException;
    }

    /**
     * Simulates every row and measures it in a JVM of its own, exactly as {@code attnkit run FILE
     * --random --no-check --repeat N} measures a kernel for a user: the same start-up, the same
     * JIT history (none), the same threads. With several rounds the rows are measured in turn,
     * round after round, and each keeps its fastest: a slow phase of a shared host (seconds to
     * minutes) then spoils one round of a row, not all of its runs.
     */
    static List<Result> run(List<Row> rows, TargetSpec target, int repeat, int rounds, Path scratch) throws IOException {
        return run(rows, target, repeat, rounds, scratch, CpuValidation::measure);
    }

    static List<Result> run(List<Row> rows, TargetSpec target, int repeat, int rounds, Path scratch, Measurement measurement)
            throws IOException {
        List<Result> results = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (Row row : rows) {
            KernelSpec k = kernel(row);
            double predicted = Simulator.simulate(k, target, BlockMap.of(k), SimOptions.defaults()).seconds();
            Path file = scratch.resolve(row.kernel().replaceAll("[^a-z0-9]", "") + "-" + row.n() + ".attn");
            Files.writeString(file, source(row));
            files.add(file);
            results.add(new Result(row, predicted, Double.POSITIVE_INFINITY, 0, 0, 0));
        }
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < rows.size(); i++) {
                Result r = results.get(i);
                int n = runs(repeat, r.predictedSeconds());
                double before = round == 0 ? loadAverage() : r.loadBefore();
                double seconds = measurement.seconds(files.get(i), n);
                results.set(i, new Result(r.row(), r.predictedSeconds(), Math.min(r.measuredSeconds(), seconds), r.runs() + n,
                        before, loadAverage()));
            }
        }
        return results;
    }

    /**
     * Runs for a kernel predicted to take {@code predictedSeconds}: at least {@code repeat}, and
     * enough for about {@link #SECONDS_PER_ROW} of kernel time. On a shared host the two vCPUs are
     * sometimes placed on one physical core for a while, and every run then is up to twice as
     * slow: seven runs of a 6 ms kernel can all fall in such a window (a document-masked kernel
     * measured 24.0 ms as the fastest of 7 and 13.7 ms as the fastest of 200).
     */
    static int runs(int repeat, double predictedSeconds) {
        double wanted = Math.ceil(SECONDS_PER_ROW / Math.max(predictedSeconds, 1e-6));
        return (int) Math.max(repeat, Math.min(MAX_RUNS, wanted));
    }

    static final double SECONDS_PER_ROW = 2.0;
    static final int MAX_RUNS = 200;

    /** Runs {@code attnkit run} on {@code file} in a child JVM and reads its time, in seconds. */
    static double measure(Path file, int repeat) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "run", file.toString(), "--random", "--no-check", "--repeat", String.valueOf(repeat)));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new CliException(ExitCodes.INTERNAL, "'attnkit run " + file.getFileName() + "' failed: "
                        + output.strip().lines().reduce((a, b) -> b).orElse("no output"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.INTERNAL, "interrupted while measuring " + file.getFileName());
        }
        Matcher m = TIME.matcher(output);
        if (!m.find()) {
            throw new CliException(ExitCodes.INTERNAL, "'attnkit run " + file.getFileName() + "' printed no time");
        }
        return Double.parseDouble(m.group(1)) / 1e3;
    }

    private static final Pattern TIME = Pattern.compile("(?m)^time ([0-9.]+) ms");

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    static String markdown(TargetSpec target, List<Result> results, int repeat, int rounds, int threads) {
        StringBuilder b = new StringBuilder();
        String per = rounds == 1 ? "" : String.format(Locale.ROOT, " per round, %d rounds in turn", rounds);
        b.append(String.format(Locale.ROOT, "### CPU: the Java backend on this machine against `%s` (f32, batch 1, 8 heads, "
                + "d 64, 64 x 64 tiles, %d thread%s, fastest of at least %d runs and about %.0f s%s, each kernel in a JVM of "
                + "its own)%n%n", target.name(), threads, threads == 1 ? "" : "s", repeat, SECONDS_PER_ROW, per));
        b.append("| kernel | N | predicted (ms) | measured (ms) | error | runs | load average first before / last after |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|\n");
        double sum = 0;
        int within = 0;
        for (Result r : results) {
            b.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %+.0f%% | %d | %.1f / %.1f |%n", r.row().kernel(),
                    r.row().n(), r.predictedSeconds() * 1e3, r.measuredSeconds() * 1e3, 100 * r.error(), r.runs(),
                    r.loadBefore(), r.loadAfter()));
            sum += Math.abs(r.error());
            within += Math.abs(r.error()) <= 0.15 ? 1 : 0;
        }
        b.append(String.format(Locale.ROOT, "%nMean absolute error %.1f%%; rows within 15%%: %d of %d. Error = predicted / "
                + "measured - 1. The load average (one minute) counts the measurements' own %d threads: well above %d, "
                + "something else shared the cores.%n", 100 * sum / results.size(), within, results.size(), threads, threads));
        return b.toString();
    }
}
