package io.attnkit.sim;

import java.util.Optional;

/** How the simulator decides which accesses hit in the L2. */
public enum L2Mode implements Spelled {
    /**
     * Reuse model over sweeps of tiles: a run of tiles is one look-up, fast enough for
     * million-token problems (see {@code io.attnkit.sim.l2.StreamReuseL2}).
     */
    MODEL("model"),
    /** Every line of every tile through a set-associative LRU, step by step: exact and slow. */
    EXACT("exact");

    /**
     * The smallest L2 the reuse model is held to the exact cache at (docs/simulator.md, "Limits":
     * the tests' FlashAttention launches run L2s of 1 to 50 MiB, and 512 KiB still agrees). Far
     * below, CTAs in lockstep share each fetch in the model however little the cache holds, and
     * the model can read a third of what the exact cache reads; the report says so.
     */
    public static final long MODEL_HELD_FROM_BYTES = 512L * 1024;

    private final String spelling;

    L2Mode(String spelling) {
        this.spelling = spelling;
    }

    @Override
    public String spelling() {
        return spelling;
    }

    public static Optional<L2Mode> parse(String text) {
        return Spelled.parse(L2Mode.class, text);
    }
}
