package io.attnkit.cli;

import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.Tiles;
import io.attnkit.sim.Schedule;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.gpu.FlashSchedule;
import java.util.Locale;

/**
 * The size of a simulation, estimated from the kernel's shape and tiles before anything is built:
 * the CTAs of FlashAttention-2's grids, one per (batch element, head, block of queries) in the
 * forward and per (batch element, head, block of keys) in the backward; for standard attention,
 * whose launches have far fewer CTAs each walking a row of S, the 128 x 128 tiles of S, once per
 * pass (a lower bound of the work: each pass walks S three to six times); for FlashAttention-1,
 * whose CTA per head walks every K/V block as segments of its own, those blocks, once per pass. The engine's time and
 * memory grow with them; a shape far past the bundled examples would run for minutes or run out
 * of memory, so it is refused at once.
 */
final class SimulationSize {
    /**
     * The default of {@code --max-ctas}: above every bundled example with every pass (the largest,
     * MoBA at 1M tokens forward and backward, launches 786,432), below shapes that exhaust the heap.
     */
    static final long DEFAULT_MAX_CTAS = 1L << 20;
    /** What no --max-ctas lifts: the engine numbers a launch's CTAs with ints, and a billion would run for days. */
    static final long ENGINE_MAX_CTAS = 1L << 30;

    /** The standard schedule's blocks of S: 128 query rows by 128 keys, whatever the kernel's tiles. */
    private static final int STANDARD_BLOCK = 128;

    private SimulationSize() {
    }

    /** The CTAs the simulation would launch under {@code options}, in the forward and the backward. */
    static long ctas(KernelSpec kernel, SimOptions options) {
        Shape s = kernel.shape();
        // flash3 blocks the queries at FlashAttention-3's own height, whatever the file's tiles
        Tiles t = options.schedule() == Schedule.FLASH3 ? FlashSchedule.warpSpecializedTiles(kernel, false) : kernel.tiles();
        long heads = (long) s.batch() * s.heads();
        long passes = (options.pass().forward() ? 1 : 0) + (options.pass().backward() ? 1 : 0);
        if (options.schedule() == Schedule.STANDARD) {
            long tilesOfS = times(heads, times(blocksOf128(s.qLen()), blocksOf128(s.kvLen())));
            return times(tilesOfS, passes);
        }
        if (options.schedule() == Schedule.FLASH1) {
            return times(times(heads, Math.max(1, t.kvBlocks(s.kvLen()))), passes);
        }
        long splits = splits(kernel, options);
        // Packed grouped heads: a CTA per KV head and block of group x q_len packed rows.
        long qBlocks = packed(options) ? ((long) s.qLen() * s.groupSize() + t.q() - 1) / t.q() : t.qBlocks(s.qLen());
        long rowHeads = packed(options) ? (long) s.batch() * s.kvHeads() : heads;
        long forward = options.pass().forward() ? times(times(rowHeads, qBlocks), splits) : 0;
        long backward = options.pass().backward() ? times(heads, t.kvBlocks(s.kvLen())) : 0;
        return forward > Long.MAX_VALUE - backward ? Long.MAX_VALUE : forward + backward;
    }

    /**
     * The ranges an explicit --kv-splits cuts each row's keys into: at most one per key block (more
     * is refused by the simulator, with its own message); 1 under {@code auto}, whose count the
     * simulation picks.
     */
    private static long splits(KernelSpec kernel, SimOptions options) {
        return Math.min(Math.max(1, options.kvSplits()), Math.max(1, kernel.tiles().kvBlocks(kernel.shape().kvLen())));
    }

    private static boolean packed(SimOptions options) {
        return options.packGqa() && options.schedule() == Schedule.FLASH;
    }

    private static long blocksOf128(int length) {
        return (length + STANDARD_BLOCK - 1L) / STANDARD_BLOCK;
    }

    /** The product, or Long.MAX_VALUE past it: a shape of 2^64 CTAs is refused, not wrapped into a small one. */
    private static long times(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return high != 0 || low < 0 ? Long.MAX_VALUE : low;
    }

    /** Refuses, in one line with the estimate, a simulation of more than {@code max} CTAs. */
    static void require(KernelSpec kernel, SimOptions options, long max) {
        long ctas = ctas(kernel, options);
        boolean standard = options.schedule() == Schedule.STANDARD;
        boolean walked = standard || options.schedule() == Schedule.FLASH1;
        String units = standard ? "tiles of S" : walked ? "K/V blocks" : "CTAs";
        if (ctas > ENGINE_MAX_CTAS && max >= ENGINE_MAX_CTAS) {
            throw new CliException(ExitCodes.USAGE, String.format(Locale.ROOT,
                    "kernel %s would %s %s %s; the simulator takes at most %,d in a run, whatever --max-ctas says",
                    kernel.name(), walked ? "walk" : "launch", count(ctas), units, ENGINE_MAX_CTAS));
        }
        if (ctas > max) {
            throw new CliException(ExitCodes.USAGE, String.format(Locale.ROOT,
                    "kernel %s %s, more than --max-ctas %d; simulate a smaller shape, or raise --max-ctas (time and memory grow with it)",
                    kernel.name(), estimate(kernel, options), max));
        }
    }

    /**
     * The estimate as {@link #require} words it: "would launch about 1,234 CTAs (batch 1 x heads 16 x
     * blocks of queries)", or "walk ... tiles of S" and "K/V blocks" for the schedules that walk.
     */
    static String estimate(KernelSpec kernel, SimOptions options) {
        long ctas = ctas(kernel, options);
        boolean standard = options.schedule() == Schedule.STANDARD;
        boolean walked = standard || options.schedule() == Schedule.FLASH1;
        Shape s = kernel.shape();
        return String.format(Locale.ROOT, "would %s %s %s (batch %d x %s %d x %s)", walked ? "walk" : "launch", count(ctas),
                standard ? "tiles of S" : walked ? "K/V blocks" : "CTAs", s.batch(), packed(options) ? "KV heads" : "heads",
                packed(options) ? s.kvHeads() : s.heads(), blocks(options, kernel));
    }

    private static String count(long ctas) {
        return ctas == Long.MAX_VALUE ? "more than 2^63" : String.format(Locale.ROOT, "about %,d", ctas);
    }

    private static String blocks(SimOptions options, KernelSpec kernel) {
        Shape s = kernel.shape();
        if (options.schedule() == Schedule.STANDARD) {
            // the factors of ctas(): the count is their product
            long passes = (options.pass().forward() ? 1 : 0) + (options.pass().backward() ? 1 : 0);
            return blocksOf128(s.qLen()) + " x " + blocksOf128(s.kvLen()) + " blocks of S of " + STANDARD_BLOCK + " x "
                    + STANDARD_BLOCK + (passes > 1 ? " x " + passes + " passes" : "");
        }
        if (options.schedule() == Schedule.FLASH1) {
            return "K/V blocks, once per pass";
        }
        long splits = splits(kernel, options);
        String forward = (packed(options) ? "blocks of packed query rows" : "blocks of queries")
                + (splits > 1 ? " x " + splits + " key splits" : "");
        return switch (options.pass()) {
            case FWD -> forward;
            case BWD -> "blocks of keys";
            // the backward is neither packed nor split: its grid is per query head
            case FWD_BWD -> packed(options) || splits > 1 ? forward + ", then heads " + s.heads() + " x blocks of keys"
                    : "blocks of queries, then of keys";
        };
    }
}
