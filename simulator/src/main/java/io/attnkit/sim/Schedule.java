package io.attnkit.sim;

import java.util.Optional;

/** The program a kernel runs on the simulated machine. */
public enum Schedule implements Spelled {
    /**
     * The fused FlashAttention-2 tile program AttnKit's kernels implement: one CTA per
     * (batch, head, q-block) keeps Q and the O accumulator on chip and streams the K/V tiles
     * of its block-map row through {@code stages} buffers.
     */
    FLASH("flash"),
    /**
     * Unfused attention as PyTorch's eager mode runs it: layout copies, {@code S = QK^T} written
     * to memory, a mask add, softmax, dropout, {@code O = PV}, and autograd's kernels backward;
     * every mask applied elementwise (no tile is skipped).
     */
    STANDARD("standard"),
    /**
     * FlashAttention-1's Algorithm 1 as its CUDA kernels run it: one CTA per (batch, head),
     * K/V blocks in the outer loop, blocks of query rows in the inner loop, the partial O and
     * softmax statistics read and written back to memory for every K/V block.
     */
    FLASH1("flash1"),
    /**
     * FlashAttention-3's forward on Hopper: one producer warp group loads Q, K and V with TMA,
     * one consumer warp group per 64 query rows runs {@code wgmma} and the softmax, and the
     * consumers take turns on the tensor pipe (ping-pong), so one's softmax hides under
     * another's matrix products. Forward only, sm_90 and later.
     */
    FLASH3("flash3");

    private final String spelling;

    Schedule(String spelling) {
        this.spelling = spelling;
    }

    @Override
    public String spelling() {
        return spelling;
    }

    public static Optional<Schedule> parse(String text) {
        return Spelled.parse(Schedule.class, text);
    }
}
