package io.attnkit.sim.validation;

import static io.attnkit.sim.validation.Validation.EAGER;
import static io.attnkit.sim.validation.Validation.FA2_NO_SPLIT;
import static io.attnkit.sim.validation.Validation.FLASH_DECODING;
import static io.attnkit.sim.validation.Validation.XFORMERS_FLASH;
import static io.attnkit.sim.validation.Validation.XFORMERS_VANILLA;
import static io.attnkit.sim.validation.Validation.appendixEKernel;
import static io.attnkit.sim.validation.Validation.fa2OrStandard;
import static io.attnkit.sim.validation.Validation.fa2Resources;
import static io.attnkit.sim.validation.Validation.simulate;
import static io.attnkit.sim.validation.Validation.target;

import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.Pass;
import io.attnkit.sim.Schedule;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.SimResult;
import io.attnkit.sim.validation.Validation.CardRow;
import io.attnkit.sim.validation.Validation.Config;
import io.attnkit.sim.validation.Validation.DecodeRow;
import io.attnkit.sim.validation.Validation.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The held-out sets: published figures that no figure of the model was chosen for (or, where
 * docs/validation.md says so, only in part), each simulated as its source ran it. {@link
 * Validation} holds FlashAttention's own claims (Table 18, Figure 2, Theorem 2, Proposition 4).
 */
final class HeldOutSets {
    private HeldOutSets() {
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
     * attention's (PyTorch eager, no dropout), backward pass only; see {@link Validation#fa2OrStandard}.
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
}
