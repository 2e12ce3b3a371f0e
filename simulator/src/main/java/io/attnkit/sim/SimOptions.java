package io.attnkit.sim;

import java.util.Optional;

/**
 * How to simulate.
 *
 * @param schedule       the program the kernel runs
 * @param raster         the launch order of the CTAs
 * @param l2             how L2 hits are decided
 * @param resources      registers per thread and shared memory per CTA measured by ptxas,
 *                       replacing the estimates
 * @param traceCtas      how many CTAs the trace samples (0: no trace)
 * @param refreshEvents  events between two assessments of L2 reuse under {@link L2Mode#MODEL}
 *                       (0: adapt to the number of CTAs in flight)
 * @param maxChunkSteps  the most steps the engine advances a CTA in closed form (tests set 1)
 * @param overlapCtas    whether co-resident CTAs overlap their matrix and vector phases (a kernel
 *                       that schedules its warp groups explicitly); by default an SM runs them in turn
 * @param pass           forward, backward, or both (the backward after the forward)
 * @param dropout        attention dropout probability: above 0 the standard (PyTorch eager) schedule runs
 *                       dropout kernels that write the dropped probabilities and the keep mask; the fused
 *                       kernels draw the mask on chip, in the backward again ({@link io.attnkit.sim.gpu.Dropout})
 * @param kvSplits       ranges the keys of each row are cut into by the flash forward (split-KV, as
 *                       Flash-Decoding runs decode): 1 for none, {@link #AUTO_KV_SPLITS} to let
 *                       {@link io.attnkit.sim.gpu.KvSplits} choose as FlashAttention-2 does
 * @param packGqa        whether the flash forward packs the query heads of each KV head into one
 *                       CTA's rows ({@link io.attnkit.dsl.blocks.BlockMap#packGroups}), as FlashAttention-2's
 *                       decode path and FlashAttention-3's PackGQA do
 */
public record SimOptions(Schedule schedule, Raster raster, L2Mode l2, Optional<Resources> resources, int traceCtas,
                         int refreshEvents, long maxChunkSteps, boolean overlapCtas, Pass pass, double dropout,
                         int kvSplits, boolean packGqa) {

    /** {@link #kvSplits} value asking for the split count FlashAttention-2's heuristic picks. */
    public static final int AUTO_KV_SPLITS = 0;

    /** Registers and shared memory of one CTA, as {@code ptxas --resource-usage} reports them. */
    public record Resources(int registersPerThread, long sharedMemPerCta) {
        public Resources {
            if (registersPerThread < 1 || sharedMemPerCta < 0) {
                throw new IllegalArgumentException("bad resources");
            }
        }
    }

    public SimOptions {
        if (traceCtas < 0 || refreshEvents < 0 || maxChunkSteps < 1 || !(dropout >= 0 && dropout < 1) || kvSplits < 0) {
            throw new IllegalArgumentException("bad simulation options");
        }
    }

    public static SimOptions defaults() {
        return new SimOptions(Schedule.FLASH, Raster.Q_MAJOR, L2Mode.MODEL, Optional.empty(), 0, 0, Long.MAX_VALUE, false, Pass.FWD, 0, 1, false);
    }

    public SimOptions withSchedule(Schedule s) {
        return new SimOptions(s, raster, l2, resources, traceCtas, refreshEvents, maxChunkSteps, overlapCtas, pass, dropout, kvSplits, packGqa);
    }

    public SimOptions withRaster(Raster r) {
        return new SimOptions(schedule, r, l2, resources, traceCtas, refreshEvents, maxChunkSteps, overlapCtas, pass, dropout, kvSplits, packGqa);
    }

    public SimOptions withL2(L2Mode m) {
        return new SimOptions(schedule, raster, m, resources, traceCtas, refreshEvents, maxChunkSteps, overlapCtas, pass, dropout, kvSplits, packGqa);
    }

    public SimOptions withResources(Resources r) {
        return new SimOptions(schedule, raster, l2, Optional.of(r), traceCtas, refreshEvents, maxChunkSteps, overlapCtas, pass, dropout, kvSplits, packGqa);
    }

    public SimOptions withTrace(int ctas) {
        return new SimOptions(schedule, raster, l2, resources, ctas, refreshEvents, maxChunkSteps, overlapCtas, pass, dropout, kvSplits, packGqa);
    }

    public SimOptions withRefreshEvents(int events) {
        return new SimOptions(schedule, raster, l2, resources, traceCtas, events, maxChunkSteps, overlapCtas, pass, dropout, kvSplits, packGqa);
    }

    public SimOptions withOverlapCtas(boolean overlap) {
        return new SimOptions(schedule, raster, l2, resources, traceCtas, refreshEvents, maxChunkSteps, overlap, pass, dropout, kvSplits, packGqa);
    }

    public SimOptions withMaxChunkSteps(long steps) {
        return new SimOptions(schedule, raster, l2, resources, traceCtas, refreshEvents, steps, overlapCtas, pass, dropout, kvSplits, packGqa);
    }

    public SimOptions withPass(Pass p) {
        return new SimOptions(schedule, raster, l2, resources, traceCtas, refreshEvents, maxChunkSteps, overlapCtas, p, dropout, kvSplits, packGqa);
    }

    public SimOptions withDropout(double p) {
        return new SimOptions(schedule, raster, l2, resources, traceCtas, refreshEvents, maxChunkSteps, overlapCtas, pass, p, kvSplits, packGqa);
    }

    public SimOptions withKvSplits(int splits) {
        return new SimOptions(schedule, raster, l2, resources, traceCtas, refreshEvents, maxChunkSteps, overlapCtas, pass, dropout,
                splits, packGqa);
    }

    public SimOptions withPackGqa(boolean pack) {
        return new SimOptions(schedule, raster, l2, resources, traceCtas, refreshEvents, maxChunkSteps, overlapCtas, pass, dropout,
                kvSplits, pack);
    }
}
