package io.attnkit.sim.validation;

import io.attnkit.sim.Pass;
import io.attnkit.sim.Schedule;
import java.util.List;

/**
 * Published measurements the simulator is held to, each with its source. None of them is used
 * to choose any figure of the model: targets and microarchitecture figures come from
 * datasheets, programming guides and microbenchmark papers (see docs/simulator.md).
 */
public final class Published {
    private Published() {
    }

    /**
     * FlashAttention (Dao et al., arXiv 2205.14135), Appendix E, Table 18: forward runtime in ms
     * of FlashAttention on an A100 40GB, fp16, batch 16, 8 heads, head dimension 64, for N =
     * 1024 ... 65536 (the rows with N >= 1024).
     */
    public static final int[] TABLE18_N = {1024, 2048, 4096, 8192, 16384, 32768, 65536};
    public static final double[] TABLE18_MS = {0.68, 2.40, 8.42, 33.54, 134.03, 535.95, 2147.05};

    /**
     * FlashAttention (arXiv 2205.14135), Figure 2 left: GPT-2 medium attention (N 1024, d 64,
     * 16 heads, batch 64) on an A100, forward plus backward: HBM reads and writes in GB, and runtime
     * in ms, of standard attention (PyTorch) and of FlashAttention.
     */
    public static final double FIGURE2_STANDARD_GB = 40.3;
    public static final double FIGURE2_FLASH_GB = 4.4;
    public static final double FIGURE2_STANDARD_MS = 41.7;
    public static final double FIGURE2_FLASH_MS = 7.3;
    /** GPT-2's attention dropout ({@code attn_pdrop} of its configuration), with which it is trained. */
    public static final double GPT2_ATTENTION_DROPOUT = 0.1;

    /** Sequence lengths of FlashAttention-3's Figure 5. */
    public static final int[] FA3_SEQ_LENS = {512, 1024, 2048, 4096, 8192, 16384};

    /** One point of a published TFLOP/s curve. */
    public record Speed(String method, int headDim, boolean causal, int seqLen, double tflops) {
    }

    /**
     * FlashAttention-3 (Shah et al., arXiv 2407.08608), Figure 5: forward TFLOP/s on an H100
     * 80GB SXM5 of FlashAttention-2 and of standard (PyTorch) attention, bf16, hidden dimension
     * 2048 (16 heads of 128 or 32 heads of 64), batch times sequence length 16K; standard
     * attention ran out of memory at 16K. Values as labelled on the bars. FLOPs count
     * {@code 4 N^2 d} per head, halved under a causal mask.
     */
    public static final List<Speed> FA3_FIGURE5 = List.of(
            fa2(64, false, 282, 306, 318, 321, 322, 324),
            fa2(64, true, 180, 229, 262, 284, 295, 299),
            fa2(128, false, 309, 350, 362, 368, 370, 370),
            fa2(128, true, 191, 260, 298, 319, 333, 335),
            standard(64, false, 52, 63, 67, 72, 73),
            standard(64, true, 16, 18, 18, 18, 18),
            standard(128, false, 74, 100, 119, 133, 139),
            standard(128, true, 26, 31, 34, 35, 35)).stream().flatMap(List::stream).toList();

    /**
     * FlashAttention-3 (arXiv 2407.08608), Figure 5's bars of FlashAttention-3 itself, same setting as
     * {@link #FA3_FIGURE5}, with head dimension 256 (8 heads) as well. Values as labelled on the bars,
     * read from machine transcriptions of the figure's panels (the readings that give exactly the
     * FlashAttention-2 and standard values above); for head dimension 128 without a mask at N = 512 a
     * second reading swaps FlashAttention-3's 467 with cuDNN's 497.
     */
    public static final List<Speed> FA3_FIGURE5_FA3 = List.of(
            fa3(64, false, 333, 392, 460, 476, 496, 497),
            fa3(64, true, 197, 265, 371, 420, 460, 473),
            fa3(128, false, 467, 565, 625, 638, 646, 648),
            fa3(128, true, 292, 423, 521, 579, 602, 616),
            fa3(256, false, 482, 639, 707, 736, 746, 756),
            fa3(256, true, 286, 427, 537, 612, 628, 642)).stream().flatMap(List::stream).toList();

    /**
     * FlashAttention-3 (arXiv 2407.08608), its backward-speed figures ("Attention backward speed,
     * head dim 64 / 128 (H100 80GB SXM5)"): TFLOP/s of the backward pass of FlashAttention-2 and
     * of standard (PyTorch) attention, same setting as Figure 5, no mask (the paper shows no
     * causal backward); standard attention ran out of memory at 16K. FLOPs count
     * {@code 2.5 x 4 N^2 d} per head (the {@code flops(..., mode="bwd")} of its benchmark script).
     * Values as labelled on the bars (two independent readings agree on every value).
     */
    public static final List<Speed> FA3_BACKWARD = List.of(
            fa2(64, false, 198, 238, 264, 279, 287, 291),
            fa2(128, false, 214, 260, 291, 310, 318, 322),
            standard(64, false, 68, 76, 88, 92, 95),
            standard(128, false, 104, 131, 159, 174, 181)).stream().flatMap(List::stream).toList();

    /**
     * One point of a published runtime table: {@code ms} for the pass at dropout {@code dropout},
     * of the method the paper names, simulated with {@code schedule}.
     */
    public record Timing(String table, String method, Schedule schedule, Pass pass, double dropout, int seqLen, double ms) {
    }

    /**
     * FlashAttention (arXiv 2205.14135), Appendix E.6, the tables around Table 18, in the same
     * setting (A100 40GB, fp16, batch 16, 8 heads, d 64, random Q, K, V, mean of 100 calls;
     * dropout 0.1 where said; no padding mask), from N = 1024 ({@link #TABLE18_N}): runtimes in
     * ms of FlashAttention (its own kernels, {@link Schedule#FLASH1}) and of "PyTorch Attention"
     * (unfused, {@link Schedule#STANDARD}; it ran out of memory beyond the last value given). Two
     * independent transcriptions of the tables agree on every value.
     */
    public static final List<Timing> APPENDIX_E = List.of(
            flash1("Table 19", Pass.BWD, 0, 1.62, 5.45, 21.57, 84.75, 336.00, 1338.56, 5343.19),
            flash1("Table 15", Pass.FWD, 0.1, 0.83, 2.81, 10.38, 41.63, 167.01, 668.74, 2678.11),
            flash1("Table 16", Pass.BWD, 0.1, 1.86, 6.50, 26.21, 104.27, 416.10, 1661.92, 6643.01),
            pytorch("Table 18", Pass.FWD, 0, 1.27, 4.32, 16.47, 67.77),
            pytorch("Table 19", Pass.BWD, 0, 2.44, 8.82, 33.87),
            pytorch("Table 15", Pass.FWD, 0.1, 1.80, 6.56, 25.34),
            pytorch("Table 16", Pass.BWD, 0.1, 2.94, 10.77, 41.67)).stream().flatMap(List::stream).toList();

    /**
     * One row of the Flash-Decoding post's micro-benchmark: microseconds for one decode step
     * (one query token per sequence) of {@code batch} sequences of {@code kvLen} keys.
     */
    public record DecodeTiming(int batch, int kvLen, double eagerUs, double flashAttentionUs, double flashDecodingUs) {
    }

    /**
     * "Flash-Decoding for long-context inference" (Dao, Haziza, Massa, Sizov; PyTorch blog,
     * 2023-10-13), its micro-benchmark table: multi-head attention for one decode step on an A100
     * (which of the 40 GB and 80 GB cards is not said), f16, 16 query heads of dimension 128 and 2
     * KV heads, batch x keys = 64K (then 1 x 128K), run time in us of PyTorch Eager (K and V
     * copied out to every query head, then batched matrix products and a softmax), FlashAttention
     * v2.0.9 (one CTA per query head, no split) and Flash-Decoding (split-KV). The cases are those
     * of xFormers' {@code benchmarks/benchmark_attn_decoding.py}.
     */
    public static final List<DecodeTiming> FLASH_DECODING = List.of(
            new DecodeTiming(256, 256, 3058.6, 390.5, 63.4),
            new DecodeTiming(128, 512, 3151.4, 366.3, 67.7),
            new DecodeTiming(64, 1024, 3160.4, 364.8, 77.7),
            new DecodeTiming(32, 2048, 3158.3, 352.0, 58.5),
            new DecodeTiming(16, 4096, 3157.0, 401.7, 57.0),
            new DecodeTiming(8, 8192, 3173.1, 529.2, 56.4),
            new DecodeTiming(4, 16384, 3223.0, 582.7, 58.2),
            new DecodeTiming(2, 32768, 3224.1, 1156.1, 60.3),
            new DecodeTiming(1, 65536, 1335.6, 2300.6, 64.4),
            new DecodeTiming(1, 131072, 2664.0, 4592.2, 106.6));

    /** One row of a published forward-speed table: TFLOP/s at {@code batch} sequences of {@code seqLen} tokens. */
    public record BatchSpeed(int batch, int seqLen, double tflops) {
    }

    /** Heads and head dimension of {@link #FA_PR1075_PYTORCH}: hidden 2048 in heads of 128. */
    public static final int PR1075_HEADS = 16;
    public static final int PR1075_HEAD_DIM = 128;

    /**
     * Dao-AILab/flash-attention pull request #1075 ("Changes For FP8", 2024-07-19), its
     * description: "experimental results from PCIe based H100", the "Pytorch fwd" rows of
     * {@code hopper/benchmark_flash_attention_fp8.py}: standard attention ({@code
     * attention_pytorch}: {@code baddbmm} into a preallocated scores tensor, softmax, dropout 0,
     * {@code einsum}) in fp16, forward, no mask, 16 heads of 128, batch x length about 16K;
     * FLOPs counted {@code 4 B H N^2 d}. The FP8 rows of the same table (FlashAttention-3,
     * cuDNN) are not modelled.
     */
    public static final List<BatchSpeed> FA_PR1075_PYTORCH = List.of(
            new BatchSpeed(32, 512, 52.28),
            new BatchSpeed(16, 1024, 66.04),
            new BatchSpeed(8, 2048, 73.80),
            new BatchSpeed(4, 4224, 68.44),
            new BatchSpeed(2, 8448, 78.47),
            new BatchSpeed(1, 16896, 82.08));

    /**
     * One row of xFormers' backward table: microseconds for the backward pass of {@code batch}
     * sequences of {@code seqLen} tokens, {@code heads} heads of {@code headDim}, by "vanilla"
     * (PyTorch eager) and by "flash[flshatt]" (FlashAttention-1's backward as xFormers wrapped it).
     */
    public record BackwardTiming(int batch, int seqLen, int heads, int headDim, double vanillaUs, double flashUs) {
    }

    /**
     * facebookresearch/xformers pull request #461 ("Pack dQ/dK/dV for flash's bw", 2022-10-06),
     * its description, "PERFORMANCE ON A100" (40 or 80 GB not said): "attention backward
     * (attn_bias=NoneType)", f16, no dropout; B batch, M query and key length, H heads, K head
     * dimension. Times in microseconds: inferred (torch.utils.benchmark's unit line is not in
     * the visible text). The columns "flashPacked" (the pull request's change) and "cutlass"
     * (xFormers' own kernel) are not modelled.
     */
    public static final List<BackwardTiming> XFORMERS_PR461 = List.of(
            new BackwardTiming(384, 197, 1, 64, 1813.5, 304.7),
            new BackwardTiming(1024, 197, 1, 64, 4748.5, 764.3),
            new BackwardTiming(32, 197, 16, 64, 2435.2, 393.5),
            new BackwardTiming(32, 197, 16, 128, 4506.4, 871.7),
            new BackwardTiming(16, 197, 16, 64, 1246.6, 217.4),
            new BackwardTiming(16, 197, 16, 128, 2273.6, 483.0),
            new BackwardTiming(1024, 82, 8, 64, 3817.3, 2238.5));

    private static List<Timing> flash1(String table, Pass pass, double dropout, double... ms) {
        return timings(table, "FlashAttention", Schedule.FLASH1, pass, dropout, ms);
    }

    private static List<Timing> pytorch(String table, Pass pass, double dropout, double... ms) {
        return timings(table, "PyTorch Attention", Schedule.STANDARD, pass, dropout, ms);
    }

    private static List<Timing> timings(String table, String method, Schedule schedule, Pass pass, double dropout,
                                        double... ms) {
        return java.util.stream.IntStream.range(0, ms.length)
                .mapToObj(i -> new Timing(table, method, schedule, pass, dropout, TABLE18_N[i], ms[i])).toList();
    }

    private static List<Speed> fa3(int d, boolean causal, double... tflops) {
        return curve("FlashAttention-3", d, causal, tflops);
    }

    private static List<Speed> fa2(int d, boolean causal, double... tflops) {
        return curve("FlashAttention-2", d, causal, tflops);
    }

    private static List<Speed> standard(int d, boolean causal, double... tflops) {
        return curve("standard", d, causal, tflops);
    }

    private static List<Speed> curve(String method, int d, boolean causal, double... tflops) {
        return java.util.stream.IntStream.range(0, tflops.length)
                .mapToObj(i -> new Speed(method, d, causal, FA3_SEQ_LENS[i], tflops[i])).toList();
    }
}
