package io.attnkit.sim.validation;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Program;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.Pass;
import io.attnkit.sim.Schedule;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.SimResult;
import io.attnkit.sim.Simulator;
import io.attnkit.targets.BuiltinTargets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.commons.math3.stat.regression.SimpleRegression;

/**
 * The simulator against published numbers: FlashAttention's Table 18 and Figure 2, the
 * scaling laws of its Theorem 2 and Proposition 4 as measured slopes, and FlashAttention-3's
 * Figure 5 and backward figures as a held-out set that nothing in the model was chosen for.
 */
public final class Validation {
    private Validation() {
    }

    /** A predicted figure beside the published one. */
    public record Row(String label, double predicted, double published) {
        /** Relative error of the prediction. */
        public double error() {
            return (predicted - published) / published;
        }
    }

    /** A fitted power law: {@code log y = slope log x + c}. */
    public record Slope(String label, double slope, double rSquared, double theory, int points) {
    }

    /** DRAM bytes and time of one simulated case. */
    /** {@code bytes} between the L2 and HBM, {@code requestBytes} between the SMs and the L2 (before the cache). */
    public record Measured(String label, double bytes, double requestBytes, double seconds) {
    }

    /**
     * GPT-2 medium, forward plus backward, on the A100: the standard schedule (PyTorch eager,
     * with GPT-2's dropout, and without), FlashAttention-1 (the paper's kernels, without dropout
     * and with) and FlashAttention-2, against Figure 2's totals.
     */
    public record Traffic(Measured standard, Measured standardNoDropout, Measured flash1, Measured flash1Dropout,
                          Measured flash) {
        /** The paper's comparison: standard over FlashAttention-1. */
        public double ratio() {
            return standard.bytes() / flash1.bytes();
        }

        public Row ratioRow() {
            return new Row("HBM standard / FlashAttention", ratio(),
                    Published.FIGURE2_STANDARD_GB / Published.FIGURE2_FLASH_GB);
        }

        public List<Row> rows() {
            return List.of(new Row("HBM standard (GB)", standard.bytes() / 1e9, Published.FIGURE2_STANDARD_GB),
                    new Row("HBM FlashAttention (GB)", flash1.bytes() / 1e9, Published.FIGURE2_FLASH_GB),
                    ratioRow(),
                    new Row("runtime standard (ms)", standard.seconds() * 1e3, Published.FIGURE2_STANDARD_MS),
                    new Row("runtime FlashAttention (ms)", flash1.seconds() * 1e3, Published.FIGURE2_FLASH_MS),
                    new Row("runtime FlashAttention, dropout 0.1 (ms)", flash1Dropout.seconds() * 1e3,
                            Published.FIGURE2_FLASH_MS));
        }
    }

    /** Time against block density, linear fit: time = intercept + slope x density. */
    public record DensityFit(List<double[]> points, double slope, double intercept, double rSquared, double logSlope) {
    }

    /** Everything the validation measured. */
    public record Report(List<Row> table18, List<Row> table18Fa2, Traffic figure2, List<Slope> theorem2,
                         DensityFit proposition4, List<Row> heldOut, List<Row> heldOutFlash3, List<Row> heldOutBackward,
                         List<Row> appendixE, List<DecodeRow> decode, List<Row> pciePytorch, List<CardRow> xformersBackward) {
    }

    /** One published time beside its predictions on both A100 cards (the source does not say which). */
    public record CardRow(String method, String config, double publishedUs, double a100Us40, double a100Us80) {
        public Row on40gb() {
            return new Row(method + " " + config, a100Us40, publishedUs);
        }

        public Row on80gb() {
            return new Row(method + " " + config, a100Us80, publishedUs);
        }
    }

    /**
     * One decode step of the Flash-Decoding post's table by one method, predicted on both A100
     * cards ({@code splits}: the ranges the split-KV launch cut the keys into on the 40 GB one).
     */
    public record DecodeRow(String method, int batch, int kvLen, double publishedUs, double a100Us40, double a100Us80,
                            int splits) {
        public Row on40gb() {
            return new Row(label(), a100Us40, publishedUs);
        }

        public Row on80gb() {
            return new Row(label(), a100Us80, publishedUs);
        }

        public String label() {
            return String.format(Locale.ROOT, "%s B=%d N=%d", method, batch, kvLen);
        }
    }

    /**
     * Runs every comparison. {@code quick} keeps the long rows out (Table 18 up to 8K, the
     * held-out set up to 4K) for tests; the full report takes a minute or two.
     */
    public static Report run(boolean quick) {
        return run(quick, SimOptions.defaults());
    }

    /** Every comparison, simulated with {@code base} options (the schedule of each case replaces base's). */
    public static Report run(boolean quick, SimOptions base) {
        return new Report(table18(quick, Schedule.FLASH1, base), table18(quick, Schedule.FLASH, base), figure2(base),
                theorem2(quick, base), proposition4(quick, base), HeldOutSets.heldOut(quick, base),
                HeldOutSets.heldOutFlash3(quick, base), HeldOutSets.heldOutBackward(quick, base),
                HeldOutSets.appendixE(quick, base), HeldOutSets.decode(base), HeldOutSets.pciePytorch(quick, base),
                HeldOutSets.xformersBackward(quick, base));
    }

    static TargetSpec target(String name) {
        return builtinTarget(name).orElseThrow();
    }

    /** A built-in target by name. */
    public static Optional<TargetSpec> builtinTarget(String name) {
        return program("").target(name);
    }

    static Program program(String text) {
        Frontend.Result r = Frontend.checkText("<validation>", text, BuiltinTargets.library());
        if (!r.ok()) {
            throw new IllegalStateException("validation kernel does not check: " + r.diagnostics().sorted());
        }
        return r.program();
    }

    static SimResult simulate(String kernel, TargetSpec target, SimOptions options) {
        KernelSpec k = program(kernel).kernels().getFirst();
        return Simulator.simulate(k, target, BlockMap.of(k), options);
    }

    /**
     * Table 18 (A100 40GB, fp16, batch 16, 8 heads, d 64). Under {@link Schedule#FLASH1} the
     * kernel is FlashAttention-1's own blocking for d 64 on sm_80 (256 keys by 16 rows, 4
     * warps: {@code FMHA_kernel_traits<256, 64, 16, 1, 4>} in its source); under
     * {@link Schedule#FLASH}, FlashAttention-2's (128 x 128, 4 warps) for comparison.
     */
    static List<Row> table18(boolean quick, Schedule schedule, SimOptions base) {
        TargetSpec a100 = target("a100-40gb");
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < Published.TABLE18_N.length; i++) {
            int n = Published.TABLE18_N[i];
            if (quick && n > 8192) {
                break;
            }
            String kernel = appendixEKernel(n, schedule);
            SimOptions o = base.withSchedule(schedule);
            if (schedule == Schedule.FLASH) {
                o = o.withResources(fa2Resources(128, 128, 64));
            }
            SimResult r = simulate(kernel, a100, o);
            rows.add(new Row("N = " + n, r.seconds() * 1e3, Published.TABLE18_MS[i]));
        }
        return rows;
    }

    /**
     * The setting of FlashAttention's Appendix E tables (fp16, batch 16, 8 heads, d 64) with the
     * tiles of {@code schedule}: FlashAttention-1's own for d 64 on sm_80 (256 keys by 16 rows,
     * 4 warps, doubled by its backward), FlashAttention-2's otherwise (the standard schedule's
     * GEMMs take their tiles from {@link io.attnkit.sim.gpu.MatrixKernels}).
     */
    static String appendixEKernel(int n, Schedule schedule) {
        String tiles = schedule == Schedule.FLASH1 ? "q 16, kv 256, stages 2, warps 4" : "q 128, kv 128, stages 1, warps 4";
        return "kernel t18 { shape batch 16, heads 8, q_len " + n + ", head_dim 64; dtype f16; tile " + tiles + "; }";
    }

    /** The methods of the Flash-Decoding post's table, as {@link DecodeRow#method()} names them. */
    public static final String EAGER = "PyTorch Eager";
    public static final String FA2_NO_SPLIT = "FA2 v2.0.9";
    public static final String FLASH_DECODING = "Flash-Decoding";
    public static final List<String> DECODE_METHODS = List.of(EAGER, FA2_NO_SPLIT, FLASH_DECODING);

    /** The methods of xFormers' backward table, as {@link CardRow#method()} names them. */
    public static final String XFORMERS_FLASH = "flash[flshatt]";
    public static final String XFORMERS_VANILLA = "vanilla";
    public static final List<String> XFORMERS_METHODS = List.of(XFORMERS_FLASH, XFORMERS_VANILLA);

    /**
     * FlashAttention-2's shared memory (one Q tile, one K and one V tile, in 16-bit types) and
     * registers (its kernels are compiled for 255 per thread) for a {@code q x kv} tile.
     */
    static SimOptions.Resources fa2Resources(int q, int kv, int d) {
        return new SimOptions.Resources(255, (long) (q + 2 * kv) * d * 2);
    }

    /**
     * Figure 2: GPT-2 medium attention on the A100, forward plus backward, causal, fp16. The
     * standard schedule runs PyTorch's eager kernels with GPT-2's attention dropout (and, for
     * comparison, without); FlashAttention is FlashAttention-1's kernels (forward
     * {@code FMHA_kernel_traits<256, 64, 16, 1, 4>}, backward {@code <256, 64, 16, 1, 8>}), and
     * FlashAttention-2's for comparison.
     */
    static Traffic figure2(SimOptions base) {
        TargetSpec a100 = target("a100-40gb");
        String kernel = "kernel gpt2 { shape batch 64, heads 16, q_len 1024, head_dim 64; dtype f16; "
                + "tile q 128, kv 128, stages 1, warps 4; mask causal; }";
        SimOptions both = base.withPass(Pass.FWD_BWD);
        SimResult standard = simulate(kernel, a100, both.withSchedule(Schedule.STANDARD)
                .withDropout(Published.GPT2_ATTENTION_DROPOUT));
        SimResult plain = simulate(kernel, a100, both.withSchedule(Schedule.STANDARD));
        SimResult flash = simulate(kernel, a100, both.withResources(fa2Resources(128, 128, 64)));
        String fa1Kernel = kernel.replace("tile q 128, kv 128, stages 1", "tile q 16, kv 256, stages 2");
        SimResult flash1 = simulate(fa1Kernel, a100, both.withSchedule(Schedule.FLASH1));
        SimResult flash1Dropout = simulate(fa1Kernel, a100, both.withSchedule(Schedule.FLASH1)
                .withDropout(Published.GPT2_ATTENTION_DROPOUT));
        return new Traffic(measured("standard, dropout 0.1", standard), measured("standard, no dropout", plain),
                measured("flash1", flash1), measured("flash1, dropout 0.1", flash1Dropout), measured("flash", flash));
    }

    private static Measured measured(String label, SimResult r) {
        return new Measured(label, r.dramBytes(), r.l2Bytes(), r.seconds());
    }

    /**
     * Theorem 2 as slopes of the bytes moved between the SMs and memory (the L2 requests, which
     * is what the theorem counts: it has no cache between SRAM and HBM) against N and against
     * the on-chip memory M. M follows Algorithm 1's blocking, {@code M = 4 d B}, where B is the
     * block that sets how often the other operand is re-read: the q-block of the fused kernel.
     */
    static List<Slope> theorem2(boolean quick, SimOptions base) {
        TargetSpec a100 = target("a100-40gb");
        int[] lengths = quick ? new int[] {1024, 2048, 4096} : new int[] {1024, 2048, 4096, 8192, 16384};
        int[] blocks = {32, 64, 128, 256};
        int d = 64;
        List<Slope> out = new ArrayList<>();
        for (Schedule s : List.of(Schedule.FLASH, Schedule.STANDARD)) {
            SimpleRegression vsN = new SimpleRegression();
            for (int n : lengths) {
                SimResult r = simulate(theoremKernel(n, 128, d), a100, base.withSchedule(s));
                vsN.addData(Math.log(n), Math.log(r.l2Bytes()));
            }
            out.add(new Slope(s.spelling() + ": bytes vs N", vsN.getSlope(), vsN.getRSquare(), 2, lengths.length));
            SimpleRegression vsM = new SimpleRegression();
            for (int b : blocks) {
                SimResult r = simulate(theoremKernel(4096, b, d), a100, base.withSchedule(s));
                vsM.addData(Math.log(4.0 * d * b * 2), Math.log(r.l2Bytes()));
            }
            out.add(new Slope(s.spelling() + ": bytes vs M", vsM.getSlope(), vsM.getRSquare(), s == Schedule.FLASH ? -1 : 0,
                    blocks.length));
        }
        return out;
    }

    private static String theoremKernel(int n, int qBlock, int d) {
        return "kernel th2 { shape batch 1, heads 8, q_len " + n + ", head_dim " + d + "; dtype f16; tile q " + qBlock
                + ", kv 32, stages 1, warps 4; }";
    }

    /**
     * Proposition 4: block-sparse FlashAttention's time is proportional to the fraction of
     * nonzero blocks. Block-diagonal masks of k equal documents (density 1/k, bidirectional
     * within a document) on the A100.
     */
    static DensityFit proposition4(boolean quick, SimOptions base) {
        TargetSpec a100 = target("a100-40gb");
        int n = quick ? 4096 : 16384;
        List<double[]> points = new ArrayList<>();
        SimpleRegression linear = new SimpleRegression();
        SimpleRegression log = new SimpleRegression();
        for (int docs : new int[] {1, 2, 4, 8, 16, 32}) {
            StringBuilder lengths = new StringBuilder();
            for (int i = 0; i < docs; i++) {
                lengths.append(i == 0 ? "" : ", ").append(n / docs);
            }
            String kernel = "kernel p4 { shape batch 4, heads 16, q_len " + n + ", head_dim 64; dtype f16; "
                    + "tile q 128, kv 128, stages 1, warps 4; mask document(" + lengths + "); }";
            KernelSpec k = program(kernel).kernels().getFirst();
            BlockMap map = BlockMap.of(k);
            SimResult r = Simulator.simulate(k, a100, map,
                    base.withResources(fa2Resources(128, 128, 64)));
            double density = map.tileDensity();
            points.add(new double[] {density, r.seconds() * 1e3});
            linear.addData(density, r.seconds() * 1e3);
            log.addData(Math.log(density), Math.log(r.seconds()));
        }
        return new DensityFit(points, linear.getSlope(), linear.getIntercept(), linear.getRSquare(), log.getSlope());
    }

    /** One attention configuration as the FlashAttention papers benchmark it (self-attention, N keys per row). */
    public record Config(boolean fa2, Pass pass, String dtype, int batch, int heads, int seqLen, int headDim, boolean causal) {
        public String label() {
            return String.format(Locale.ROOT, "%s%s d%d %s N=%d", fa2 ? "FA2" : "standard", pass == Pass.BWD ? " bwd" : "",
                    headDim, causal ? "causal" : "dense", seqLen);
        }
    }

    /**
     * One configuration simulated as FlashAttention-2 (its tiles from its launch templates on a GPU
     * with at least 144 KB of shared memory per block: forward 128 x 128 for d 64 and 128 x 64 for
     * d 128, 4 warps, with {@link #fa2Resources}; backward 128 x 128 for d 64 and 64 x 128 for d 128,
     * 8 warps) or as standard attention (PyTorch eager, no dropout, {@link Schedule#STANDARD}).
     */
    public static SimResult fa2OrStandard(Config c, TargetSpec target, SimOptions base) {
        if (c.headDim() != 64 && c.headDim() != 128) {
            throw new IllegalArgumentException("head dimension " + c.headDim() + ": FlashAttention-2's tiles are modelled "
                    + "for 64 and 128 only");
        }
        if (c.pass() == Pass.FWD_BWD) {
            throw new IllegalArgumentException("forward and backward together: FlashAttention-2 tiles them differently; "
                    + "compare each pass alone");
        }
        Setup setup = setup(c, base);
        return Simulator.simulate(setup.kernel(), target, BlockMap.of(setup.kernel()), setup.options());
    }

    /** What {@link #fa2OrStandard} simulates for {@code c}: the kernel and the options, to size it before it runs. */
    public record Setup(KernelSpec kernel, SimOptions options) {
    }

    /** The kernel and options {@link #fa2OrStandard} simulates {@code c} with (checked as it checks them). */
    public static Setup setup(Config c, SimOptions base) {
        boolean d64 = c.headDim() == 64;
        SimOptions o = base.withPass(c.pass());
        if (!c.fa2()) {
            o = o.withSchedule(Schedule.STANDARD);
        } else if (c.pass() == Pass.FWD) {
            o = o.withResources(fa2Resources(128, d64 ? 128 : 64, c.headDim()));
        }
        return new Setup(program(fa2Kernel(c)).kernels().getFirst(), o);
    }

    /** Why {@code c} cannot be simulated (the first error in its kernel), or empty when it can. */
    public static Optional<String> problem(Config c) {
        Frontend.Result r = Frontend.checkText("<validation>", fa2Kernel(c), BuiltinTargets.library());
        return r.ok() ? Optional.empty() : Optional.of(r.diagnostics().sorted().getFirst().message());
    }

    private static String fa2Kernel(Config c) {
        boolean d64 = c.headDim() == 64;
        String tiles = c.pass() == Pass.FWD ? "q 128, kv " + (d64 ? 128 : 64) : "q " + (d64 ? 128 : 64) + ", kv 128";
        return "kernel fa2 { shape batch " + c.batch() + ", heads " + c.heads() + ", q_len " + c.seqLen()
                + ", head_dim " + c.headDim() + "; dtype " + c.dtype() + "; tile " + tiles + ", stages 1, warps 4;"
                + (c.causal() ? " mask causal;" : "") + " }";
    }
}
