package io.attnkit.bench.sim;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Program;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.L2Mode;
import io.attnkit.sim.Pass;
import io.attnkit.sim.Raster;
import io.attnkit.sim.Schedule;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.SimResult;
import io.attnkit.sim.Simulator;
import io.attnkit.targets.BuiltinTargets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.commons.math3.stat.descriptive.DescriptiveStatistics;

/**
 * The L2 reuse model against the line-by-line LRU ({@code --l2 exact}) on random kernels:
 * shapes from decode to prefill, grouped heads, masks (causal, windows, sinks, documents,
 * per-head mixes), the three schedules, both passes, every raster, on the built-in GPU
 * targets; decode kernels with grouped heads once more with the heads packed ({@code --pack-gqa}),
 * and decode kernels whose keys FlashAttention-2's rule would split once more split
 * ({@code --kv-splits auto}), each in a row of its own. For each kernel it prints the DRAM bytes and time of both and the model's error,
 * then the distribution of the errors and the worst kernels, whose text can be pasted into a
 * file and simulated. Run: {@code java -Xmx1g --add-modules jdk.incubator.vector -cp
 * bench/target/benchmarks.jar io.attnkit.bench.sim.L2Fidelity [kernels] [seed]}.
 */
public final class L2Fidelity {
    private static final String[] TARGETS = {"a100-40gb", "h100-sxm", "h200"};
    /** L2 bytes (reads and writes) past which a kernel is skipped: the exact cache looks up every line, and a sweep should take minutes. */
    private static final double MAX_EXACT_BYTES = 6e9;
    /** The most query rows of a decode kernel (see randomCase): those are also run with their grouped heads packed. */
    private static final int DECODE_ROWS = 16;

    private L2Fidelity() {
    }

    record Case(String text, Schedule schedule, Pass pass, Raster raster, boolean packGqa, boolean autoSplits) {
        String describe() {
            return text + "  [--schedule " + schedule.spelling() + " --pass " + pass.spelling() + " --raster "
                    + raster.spelling() + (packGqa ? " --pack-gqa" : "") + (autoSplits ? " --kv-splits auto" : "") + "]";
        }

        /** The same kernel with its grouped heads packed into one CTA per KV head. */
        Case packed() {
            return new Case(text, schedule, pass, raster, true, false);
        }

        /** The same kernel with its keys split as FlashAttention-2 chooses (split-KV decode). */
        Case split() {
            return new Case(text, schedule, pass, raster, false, true);
        }
    }

    record Outcome(Case c, double exactDram, double modelDram, double exactSeconds, double modelSeconds) {
        double dramError() {
            return (modelDram - exactDram) / exactDram;
        }

        double timeError() {
            return (modelSeconds - exactSeconds) / exactSeconds;
        }
    }

    public static void main(String[] args) {
        int kernels = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
        SplittableRandom random = new SplittableRandom(seed);
        List<Outcome> outcomes = new ArrayList<>();
        System.out.println("| # | schedule | pass | DRAM exact (MB) | DRAM model (MB) | error | time error |");
        System.out.println("|---:|---|---|---:|---:|---:|---:|");
        int tried = 0;
        int drawn = 0; // kernels as drawn; a decode is also run packed and split, in rows of their own
        while (drawn < kernels && tried < 50 * kernels) {
            tried++;
            Case c = randomCase(random);
            Program program = program(c.text());
            if (program == null) {
                continue;
            }
            KernelSpec kernel = program.kernels().getFirst();
            TargetSpec target = program.target(kernel.target().orElseThrow()).orElseThrow();
            BlockMap map = BlockMap.of(kernel);
            SimOptions options = SimOptions.defaults().withSchedule(c.schedule()).withPass(c.pass()).withRaster(c.raster());
            if (!compare(c, kernel, target, map, options, outcomes)) {
                continue;
            }
            drawn++;
            boolean decode = c.schedule() == Schedule.FLASH && c.pass() == Pass.FWD && kernel.shape().qLen() <= DECODE_ROWS;
            if (decode && kernel.shape().groupSize() > 1) {
                compare(c.packed(), kernel, target, map, options.withPackGqa(true), outcomes);
            }
            SimOptions split = options.withKvSplits(SimOptions.AUTO_KV_SPLITS);
            if (decode && Simulator.simulate(kernel, target, map, split).kvSplits() > 1) {
                compare(c.split(), kernel, target, map, split, outcomes);
            }
        }
        summarize(outcomes);
    }

    /** Simulates {@code c} with the model and the exact cache and prints its row; false when it is too large for the exact cache. */
    private static boolean compare(Case c, KernelSpec kernel, TargetSpec target, BlockMap map, SimOptions options,
                                   List<Outcome> outcomes) {
        SimResult model = Simulator.simulate(kernel, target, map, options);
        if (model.l2ReadBytes() + model.l2WriteBytes() > MAX_EXACT_BYTES) {
            return false;
        }
        SimResult exact = Simulator.simulate(kernel, target, map, options.withL2(L2Mode.EXACT));
        Outcome o = new Outcome(c, exact.dramBytes(), model.dramBytes(), exact.seconds(), model.seconds());
        outcomes.add(o);
        System.out.printf(Locale.ROOT, "| %d | %s | %s | %.2f | %.2f | %+.1f%% | %+.1f%% |%n", outcomes.size(),
                c.schedule().spelling() + (c.packGqa() ? ", packed" : "") + (c.autoSplits() ? ", split" : ""),
                c.pass().spelling(), o.exactDram() / 1e6,
                o.modelDram() / 1e6, 100 * o.dramError(), 100 * o.timeError());
        return true;
    }

    private static void summarize(List<Outcome> outcomes) {
        DescriptiveStatistics dram = new DescriptiveStatistics();
        DescriptiveStatistics time = new DescriptiveStatistics();
        for (Outcome o : outcomes) {
            dram.addValue(Math.abs(o.dramError()));
            time.addValue(Math.abs(o.timeError()));
        }
        System.out.printf(Locale.ROOT, "%n%d kernels. |DRAM error|: median %.1f%%, 90th percentile %.1f%%, max %.1f%%; "
                        + "within 5%%: %d, within 10%%: %d. |time error|: median %.2f%%, max %.1f%%.%n",
                outcomes.size(), 100 * dram.getPercentile(50), 100 * dram.getPercentile(90), 100 * dram.getMax(),
                outcomes.stream().filter(o -> Math.abs(o.dramError()) <= 0.05).count(),
                outcomes.stream().filter(o -> Math.abs(o.dramError()) <= 0.10).count(),
                100 * time.getPercentile(50), 100 * time.getMax());
        System.out.println("\nWorst DRAM errors:");
        outcomes.stream().sorted((a, b) -> Double.compare(Math.abs(b.dramError()), Math.abs(a.dramError()))).limit(5)
                .forEach(o -> System.out.printf(Locale.ROOT, "%+.1f%% (exact %.2f MB, model %.2f MB): %s%n",
                        100 * o.dramError(), o.exactDram() / 1e6, o.modelDram() / 1e6, o.c().describe()));
    }

    static Case randomCase(SplittableRandom r) {
        int d = r.nextBoolean() ? 64 : 128;
        int kvHeads = pickInt(r, 1, 2, 4, 8);
        int heads = kvHeads * pickInt(r, 1, 1, 2, 4);
        boolean decode = r.nextInt(4) == 0;
        int kvLen = 256 + r.nextInt(decode ? 32768 : 6144);
        int qLen = decode ? 1 + r.nextInt(DECODE_ROWS) : r.nextInt(3) == 0 ? kvLen : Math.max(1, kvLen - r.nextInt(kvLen));
        int batch = 1 + r.nextInt(decode ? 8 : 3);
        Schedule schedule = decode ? Schedule.FLASH : pick(r, Schedule.FLASH, Schedule.FLASH, Schedule.STANDARD, Schedule.FLASH1);
        Pass pass = decode ? Pass.FWD : pick(r, Pass.FWD, Pass.FWD, Pass.BWD);
        String tile = schedule == Schedule.FLASH1 ? "tile q 16, kv 256, stages 1, warps 4"
                : "tile q " + pickInt(r, 64, 128) + ", kv " + pickInt(r, 32, 64, 128) + ", stages 2, warps 4";
        if (schedule == Schedule.FLASH1 || pass != Pass.FWD) {
            d = 64;
        }
        String mask = pick(r, "dense", "causal", "causal", "causal & window(" + (64 + r.nextInt(1024)) + ")",
                "sink(" + (1 + r.nextInt(256)) + ") | window(" + (64 + r.nextInt(1024)) + ")",
                "document(" + (kvLen / 3) + ", " + (kvLen - kvLen / 3) + ") & causal");
        String heads2 = "";
        if (r.nextInt(5) == 0 && kvHeads >= 2) {
            int group = heads / kvHeads;
            heads2 = " heads 0.." + (group - 1) + ": dense; heads " + group + ".." + (heads - 1) + ": sink(64) | window("
                    + (128 + r.nextInt(512)) + ");";
            mask = "causal";
        }
        String text = String.format(Locale.ROOT, "kernel k { shape batch %d, heads %d, kv_heads %d, q_len %d, kv_len %d, "
                        + "head_dim %d; dtype %s; %s; mask %s;%s target %s; }", batch, heads, kvHeads, qLen, kvLen, d,
                pick(r, "bf16", "f16"), tile, mask, heads2, pick(r, TARGETS));
        Raster raster = pick(r, Raster.values()); // drawn for every case, so that the seeds keep their kernels
        return new Case(text, schedule, pass, schedule == Schedule.FLASH1 ? Raster.Q_MAJOR : raster, false, false);
    }

    @SafeVarargs
    private static <T> T pick(SplittableRandom r, T... options) {
        return options[r.nextInt(options.length)];
    }

    private static int pickInt(SplittableRandom r, int... options) {
        return options[r.nextInt(options.length)];
    }

    /** The checked program of {@code text}, or null when the random text is not a valid kernel. */
    private static Program program(String text) {
        Frontend.Result r = Frontend.checkText("<sweep>", text, BuiltinTargets.library());
        return r.ok() ? r.program() : null;
    }
}
