package io.attnkit.sim.gpu;

/**
 * What one step of a CTA's tile program asks of its SM, in cycles of the whole SM's pipe
 * (the CTA's warps span every sub-partition, so a phase of the step occupies the pipe of all
 * of them). Within one group of warps that meet at barriers, a step runs its phases one after
 * the other: the matrix phase (MMAs, fed by operand reads from shared memory), the vector
 * phase (FMA, ALU and special-function instructions interleaved, limited by the busiest pipe
 * or by issue), the exchange phase (partial results passed between warps through shared
 * memory behind barriers) and a fixed delay (barrier and dependency latencies). Across groups
 * and CTAs the phases overlap.
 *
 * @param tensorCycles   tensor-pipe cycles
 * @param operandCycles  shared-memory cycles of operand reads and async-copy writes, hidden under the MMAs
 * @param vectorCycles   the vector phase
 * @param exchangeCycles shared-memory cycles of exchanges between warps
 * @param fixedCycles    latency no work of the same group hides
 * @param pipelined      true when the step's loads were issued {@code stages - 1} steps ahead
 * @param smemBytes      shared-memory bytes moved (counter)
 * @param tensorFlops    FLOPs issued to the tensor pipe, padding included (counter)
 * @param fmaCycles      FMA-pipe busy cycles (counter)
 * @param sfuCycles      special-function busy cycles (counter)
 */
public record StepCost(double tensorCycles, double operandCycles, double vectorCycles, double exchangeCycles,
                       double fixedCycles, boolean pipelined, double smemBytes, double tensorFlops, double fmaCycles,
                       double sfuCycles) {

    public StepCost {
        if (tensorCycles < 0 || operandCycles < 0 || vectorCycles < 0 || exchangeCycles < 0 || fixedCycles < 0) {
            throw new IllegalArgumentException("negative step cost");
        }
    }

    /** A step that only waits (CTA start, a delay). */
    public static StepCost delay(double cycles) {
        return new StepCost(0, 0, 0, 0, cycles, false, 0, 0, 0, 0);
    }

    /** The matrix phase: MMAs overlapped with the shared-memory reads that feed them. */
    public double matrixPhase() {
        return Math.max(tensorCycles, operandCycles);
    }

    /** The vector phase followed by the exchanges between warps. */
    public double vectorPhase() {
        return vectorCycles + exchangeCycles;
    }

    /** The step alone on an SM with no overlap between phases. */
    public double serialCycles() {
        return matrixPhase() + vectorPhase() + fixedCycles;
    }
}
