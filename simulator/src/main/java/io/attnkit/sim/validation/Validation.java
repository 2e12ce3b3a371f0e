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
                theorem2(quick, base), proposition4(quick, base), heldOut(quick, base), heldOutFlash3(quick, base),
                heldOutBackward(quick, base), appendixE(quick, base), decode(base), pciePytorch(quick, base),
                xformersBackward(quick, base));
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

    /**
     * The tables around Table 18 in FlashAttention's Appendix E ({@link Published#APPENDIX_E}),
     * held out: FlashAttention as FlashAttention-1's kernels, "PyTorch Attention" as PyTorch's
     * eager kernels (the paper names no code; {@link Schedule#STANDARD} is the unfused baseline
     * of its later benchmarks), each pass alone, with the dropout of the table. {@code quick}
     * stops at 4K.
     */
    static List<Row> appendixE(boolean quick, SimOptions base) {
        TargetSpec a100 = target("a100-40gb");
        List<Row> rows = new ArrayList<>();
        for (Published.Timing p : Published.APPENDIX_E) {
            if (quick && p.seqLen() > 4096) {
                continue;
            }
            Schedule schedule = p.schedule();
            SimOptions o = base.withSchedule(schedule).withPass(p.pass()).withDropout(p.dropout());
            SimResult r = simulate(appendixEKernel(p.seqLen(), schedule), a100, o);
            String label = String.format(Locale.ROOT, "%s %s%s N=%d (%s)", schedule == Schedule.FLASH1 ? "FA1" : "PyTorch",
                    p.pass().spelling(), p.dropout() > 0 ? " dropout " + p.dropout() : "", p.seqLen(), p.table());
            rows.add(new Row(label, r.seconds() * 1e3, p.ms()));
        }
        return rows;
    }

    /** The methods of the Flash-Decoding post's table, as {@link DecodeRow#method()} names them. */
    public static final String EAGER = "PyTorch Eager";
    public static final String FA2_NO_SPLIT = "FA2 v2.0.9";
    public static final String FLASH_DECODING = "Flash-Decoding";
    public static final List<String> DECODE_METHODS = List.of(EAGER, FA2_NO_SPLIT, FLASH_DECODING);

    /**
     * The Flash-Decoding post's micro-benchmark ({@link Published#FLASH_DECODING}) on both A100
     * cards, held out in part: the engine's tail rule was set on two of its rows, and the packing
     * below was chosen from its times. FlashAttention v2.0.9 is FlashAttention-2's forward as that version
     * launches it for d 128 on sm_80: 128 x 64 tiles, 4 warps, one CTA per (batch, query head)
     * reading its KV head's cache. Flash-Decoding is its split-KV forward (64 x 128 tiles, the
     * split count by FlashAttention-2's rule) and the combine launch, with the eight query heads of
     * a KV head packed into one CTA's rows; see docs/validation.md for why packed. PyTorch Eager
     * is {@link Schedule#STANDARD}, which copies K and V out to every query head as that program
     * does.
     */
    static List<DecodeRow> decode(SimOptions base) {
        TargetSpec a40 = target("a100-40gb");
        TargetSpec a80 = target("a100-80gb");
        SimOptions noSplit = base.withResources(fa2Resources(128, 64, 128));
        SimOptions split = base.withResources(fa2Resources(64, 128, 128)).withKvSplits(SimOptions.AUTO_KV_SPLITS)
                .withPackGqa(true);
        List<DecodeRow> rows = new ArrayList<>();
        SimOptions eager = base.withSchedule(Schedule.STANDARD);
        for (Published.DecodeTiming p : Published.FLASH_DECODING) {
            String fa2 = decodeKernel(p, "q 128, kv 64");
            rows.add(new DecodeRow(EAGER, p.batch(), p.kvLen(), p.eagerUs(),
                    simulate(fa2, a40, eager).seconds() * 1e6, simulate(fa2, a80, eager).seconds() * 1e6, 1));
            rows.add(new DecodeRow(FA2_NO_SPLIT, p.batch(), p.kvLen(), p.flashAttentionUs(),
                    simulate(fa2, a40, noSplit).seconds() * 1e6, simulate(fa2, a80, noSplit).seconds() * 1e6, 1));
            String fd = decodeKernel(p, "q 64, kv 128");
            SimResult on40 = simulate(fd, a40, split);
            rows.add(new DecodeRow(FLASH_DECODING, p.batch(), p.kvLen(), p.flashDecodingUs(), on40.seconds() * 1e6,
                    simulate(fd, a80, split).seconds() * 1e6, on40.kvSplits()));
        }
        return rows;
    }

    private static String decodeKernel(Published.DecodeTiming p, String tiles) {
        return "kernel decode { shape batch " + p.batch() + ", heads 16, kv_heads 2, q_len 1, kv_len " + p.kvLen()
                + ", head_dim 128; dtype f16; tile " + tiles + ", stages 1, warps 4; }";
    }

    /**
     * Flash-attention pull request #1075's PyTorch rows ({@link Published#FA_PR1075_PYTORCH}) on
     * the H100 PCIe, held out: {@link Schedule#STANDARD}, forward, fp16, no mask, TFLOP/s counted
     * as the pull request's script counts them ({@code 4 B H N^2 d} over the time). {@code quick}
     * keeps the first row.
     */
    static List<Row> pciePytorch(boolean quick, SimOptions base) {
        TargetSpec pcie = target("h100-pcie");
        SimOptions o = base.withSchedule(Schedule.STANDARD);
        List<Row> rows = new ArrayList<>();
        for (Published.BatchSpeed p : Published.FA_PR1075_PYTORCH) {
            if (quick && !rows.isEmpty()) {
                break;
            }
            String kernel = "kernel pr1075 { shape batch " + p.batch() + ", heads " + Published.PR1075_HEADS + ", q_len "
                    + p.seqLen() + ", head_dim " + Published.PR1075_HEAD_DIM + "; dtype f16; tile q 128, kv 128, stages 1, "
                    + "warps 4; }";
            double flops = 4.0 * p.batch() * Published.PR1075_HEADS * p.seqLen() * (double) p.seqLen()
                    * Published.PR1075_HEAD_DIM;
            double seconds = simulate(kernel, pcie, o).seconds();
            rows.add(new Row(String.format(Locale.ROOT, "standard fwd B=%d N=%d", p.batch(), p.seqLen()), flops / seconds / 1e12,
                    p.tflops()));
        }
        return rows;
    }

    /** The methods of xFormers' backward table, as {@link CardRow#method()} names them. */
    public static final String XFORMERS_FLASH = "flash[flshatt]";
    public static final String XFORMERS_VANILLA = "vanilla";
    public static final List<String> XFORMERS_METHODS = List.of(XFORMERS_FLASH, XFORMERS_VANILLA);

    /**
     * Xformers pull request #461's backward table ({@link Published#XFORMERS_PR461}) on both A100
     * cards, held out: "flash[flshatt]" as FlashAttention-1's backward ({@link Schedule#FLASH1}
     * with the tiles of {@link #flash1BackwardTiles}), "vanilla" as PyTorch eager's autograd
     * ({@link Schedule#STANDARD}), the backward pass alone, no dropout. {@code quick} keeps the
     * first row.
     */
    static List<CardRow> xformersBackward(boolean quick, SimOptions base) {
        TargetSpec a40 = target("a100-40gb");
        TargetSpec a80 = target("a100-80gb");
        SimOptions flash1 = base.withSchedule(Schedule.FLASH1).withPass(Pass.BWD);
        SimOptions vanilla = base.withSchedule(Schedule.STANDARD).withPass(Pass.BWD);
        List<CardRow> rows = new ArrayList<>();
        for (Published.BackwardTiming p : Published.XFORMERS_PR461) {
            if (quick && !rows.isEmpty()) {
                break;
            }
            String kernel = "kernel pr461 { shape batch " + p.batch() + ", heads " + p.heads() + ", q_len " + p.seqLen()
                    + ", head_dim " + p.headDim() + "; dtype f16; tile q 16, kv " + flash1BackwardTiles(p.seqLen(), p.headDim())
                    + ", stages 2, warps 4; }";
            String config = String.format(Locale.ROOT, "B=%d M=%d H=%d K=%d", p.batch(), p.seqLen(), p.heads(), p.headDim());
            rows.add(new CardRow(XFORMERS_FLASH, config, p.flashUs(), simulate(kernel, a40, flash1).seconds() * 1e6,
                    simulate(kernel, a80, flash1).seconds() * 1e6));
            rows.add(new CardRow(XFORMERS_VANILLA, config, p.vanillaUs(), simulate(kernel, a40, vanilla).seconds() * 1e6,
                    simulate(kernel, a80, vanilla).seconds() * 1e6));
        }
        return rows;
    }

    /**
     * The K/V block of FlashAttention-1's backward on sm_80 as its launcher chose it in October
     * 2022 ({@code run_fmha_dgrad_fp16_sm80}): the key length rounded to 128 when at most 128,
     * to 256 when at most 256; then d 64 takes {@code FMHA_kernel_traits<128, 64, 16, 1, 8>} at
     * 128 keys and {@code <256, 64, 16, 1, 8>} from 256 (on sm_80), d 128 always {@code <128,
     * 128, 16, 1, 8>} (two blocks at 256 keys). Every one has 16-row query blocks and 8 warps
     * (the flash1 schedule's backward doubles the tile line's 4).
     */
    static int flash1BackwardTiles(int seqLen, int headDim) {
        return switch (headDim) {
            case 64 -> seqLen <= 128 ? 128 : 256;
            case 128 -> 128;
            default -> throw new IllegalArgumentException("head dimension " + headDim
                    + ": FlashAttention-1's backward tiles are modelled for 64 and 128 only");
        };
    }

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

    /**
     * FlashAttention-3's Figure 5 on the H100: FlashAttention-2 (its tiles: 128 x 128 for d 64,
     * 128 x 64 for d 128) under {@link Schedule#FLASH}, standard attention under
     * {@link Schedule#STANDARD}; batch times length 16K, 2048 hidden dimensions.
     */
    static List<Row> heldOut(boolean quick, SimOptions base) {
        return fa3Rows(Published.FA3_FIGURE5, Pass.FWD, quick ? 4096 : Integer.MAX_VALUE, base);
    }

    /**
     * FlashAttention-3's own bars in its Figure 5: the {@link Schedule#FLASH3} program, which blocks
     * each kernel at FlashAttention-3's tiles, on the H100 in the same setting as {@link #heldOut}.
     */
    static List<Row> heldOutFlash3(boolean quick, SimOptions base) {
        TargetSpec h100 = target("h100-sxm");
        List<Row> rows = new ArrayList<>();
        for (Published.Speed p : Published.FA3_FIGURE5_FA3) {
            if (quick && p.seqLen() > 2048) {
                continue;
            }
            String kernel = "kernel fa3 { shape batch " + 16384 / p.seqLen() + ", heads " + 2048 / p.headDim() + ", q_len "
                    + p.seqLen() + ", head_dim " + p.headDim() + "; dtype bf16;" + (p.causal() ? " mask causal;" : "") + " }";
            SimResult r = simulate(kernel, h100, base.withPass(Pass.FWD).withSchedule(Schedule.FLASH3));
            String label = String.format(Locale.ROOT, "FA3 d%d %s N=%d", p.headDim(), p.causal() ? "causal" : "dense",
                    p.seqLen());
            rows.add(new Row(label, r.flopsPerSecond() / 1e12, p.tflops()));
        }
        return rows;
    }

    /**
     * FlashAttention-3's backward figures on the H100: FlashAttention-2's backward and standard
     * attention's (PyTorch eager, no dropout), backward pass only; see {@link #fa2OrStandard}.
     */
    static List<Row> heldOutBackward(boolean quick, SimOptions base) {
        return fa3Rows(Published.FA3_BACKWARD, Pass.BWD, quick ? 2048 : Integer.MAX_VALUE, base);
    }

    static List<Row> fa3Rows(List<Published.Speed> speeds, Pass pass, int maxSeqLen, SimOptions base) {
        TargetSpec h100 = target("h100-sxm");
        List<Row> rows = new ArrayList<>();
        for (Published.Speed p : speeds) {
            if (p.seqLen() > maxSeqLen) {
                continue;
            }
            boolean fa2 = p.method().equals("FlashAttention-2");
            Config c = new Config(fa2, pass, "bf16", 16384 / p.seqLen(), 2048 / p.headDim(), p.seqLen(), p.headDim(), p.causal());
            rows.add(new Row(c.label(), fa2OrStandard(c, h100, base).flopsPerSecond() / 1e12, p.tflops()));
        }
        return rows;
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
