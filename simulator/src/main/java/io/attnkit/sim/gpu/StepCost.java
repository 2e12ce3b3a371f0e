package io.attnkit.sim.gpu;

/**
 * What one step of a CTA's tile program asks of its SM, in cycles of the whole SM's pipe
 * (the CTA's warps span every sub-partition, so a phase of the step occupies the pipe of all
 * of them). A step has a matrix phase (tensor pipe fed from shared memory) and a vector phase
 * (FMA and special-function pipes); within one concurrent group of warps the phases follow
 * each other, across groups and CTAs they overlap.
 *
 * @param tensorCycles  tensor-pipe cycles (the MMAs of the step)
 * @param fmaCycles     FMA-pipe cycles (softmax arithmetic, masks, rescaling)
 * @param sfuCycles     special-function cycles (exp2)
 * @param smemCycles    shared-memory cycles (operand reads for the MMAs and async-copy writes)
 * @param fixedCycles   latency that no other work hides: barriers, exposed load latency
 * @param pipelined     true when the step's loads were issued {@code stages - 1} steps ahead
 * @param smemBytes     shared-memory bytes moved (for the counters)
 * @param tensorFlops   FLOPs issued to the tensor pipe, padding included (for the counters)
 */
public record StepCost(double tensorCycles, double fmaCycles, double sfuCycles, double smemCycles, double fixedCycles,
                       boolean pipelined, double smemBytes, double tensorFlops) {

    public StepCost {
        if (tensorCycles < 0 || fmaCycles < 0 || sfuCycles < 0 || smemCycles < 0 || fixedCycles < 0) {
            throw new IllegalArgumentException("negative step cost");
        }
    }

    /** The matrix phase: MMAs overlapped with the shared-memory reads that feed them. */
    public double matrixPhase() {
        return Math.max(tensorCycles, smemCycles);
    }

    /** The vector phase: FMA and SFU instructions interleave, so the slower pipe sets its length. */
    public double vectorPhase() {
        return Math.max(fmaCycles, sfuCycles);
    }

    /** The step alone on an SM with no overlap between phases. */
    public double serialCycles() {
        return matrixPhase() + vectorPhase() + fixedCycles;
    }
}
