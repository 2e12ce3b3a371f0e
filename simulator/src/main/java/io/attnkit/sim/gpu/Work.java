package io.attnkit.sim.gpu;

import io.attnkit.dsl.model.DType;

/**
 * The work of one step in physical units (FLOPs, instructions per pipe, bytes, latencies),
 * turned into a {@link StepCost} for a machine. Schedules describe what their step does;
 * the machine's figures alone decide how long it takes.
 */
public final class Work {
    private double mmaFlops;
    private double fmaOps;
    private double aluOps;
    private double sfuOps;
    private double operandBytes;
    private double exchangeBytes;
    private int barriers;
    private int shuffleRounds;
    private int mmaWaits;
    private double extraLatency;
    private boolean pipelined;
    private boolean warpGroupMma;

    /** Matrix multiply-accumulate FLOPs (2 per multiply-add), on the tensor pipe when the type has one. */
    public Work mma(double flops) {
        mmaFlops += flops;
        return this;
    }

    /** FP32 add, multiply and fused multiply-add instructions (per thread). */
    public Work fma(double ops) {
        fmaOps += ops;
        return this;
    }

    /** Compare, min/max, select, integer and conversion instructions (per thread). */
    public Work alu(double ops) {
        aluOps += ops;
        return this;
    }

    /** Special-function instructions: exp2 (per thread). */
    public Work sfu(double ops) {
        sfuOps += ops;
        return this;
    }

    /** Shared-memory bytes that feed the MMAs or land from async copies, hidden under the MMAs. */
    public Work operands(double bytes) {
        operandBytes += bytes;
        return this;
    }

    /** Shared-memory bytes passed between warps, each exchange behind a barrier. */
    public Work exchange(double bytes) {
        exchangeBytes += bytes;
        return this;
    }

    public Work barriers(int n) {
        barriers += n;
        return this;
    }

    /** Dependent rounds of warp shuffles or shared-memory round trips (row reductions). */
    public Work shuffleRounds(int n) {
        shuffleRounds += n;
        return this;
    }

    /** Points where the warps wait for MMA results before going on. */
    public Work mmaWaits(int n) {
        mmaWaits += n;
        return this;
    }

    /** Latency, in cycles, exposed on top of the machine's own (a CTA launch). */
    public Work latency(double cycles) {
        extraLatency += cycles;
        return this;
    }

    /** The MMAs are Hopper's warp-group {@code wgmma} rather than warp-level {@code mma.sync}. */
    public Work warpGroupMma() {
        warpGroupMma = true;
        return this;
    }

    /** The step's loads were issued ahead, through the pipeline's stages. */
    public Work pipelined() {
        pipelined = true;
        return this;
    }

    /** The cost of this work on {@code m} with operands of type {@code dtype}. */
    public StepCost cost(Machine m, DType dtype) {
        Microarch u = m.micro();
        double mmaRate = warpGroupMma ? m.warpGroupMmaFlopsPerCycle(dtype) : m.mmaFlopsPerCycle(dtype);
        double fma = fmaOps + (mmaRate > 0 ? 0 : mmaFlops / 2);
        double fmaCycles = fma / m.fmaLanes();
        double sfuCycles = sfuOps / m.sfuPerCycle();
        double aluCycles = aluOps / u.aluLanes();
        double issueCycles = (fma + aluOps + sfuOps) / u.issueLanes();
        double vector = Math.max(Math.max(fmaCycles, sfuCycles), Math.max(aluCycles, issueCycles));
        double smem = m.smemBytesPerCycle();
        double fixed = barriers * u.barrierCycles() + shuffleRounds * u.shuffleCycles() + mmaWaits * u.mmaLatencyCycles()
                + extraLatency;
        return new StepCost(mmaRate > 0 ? mmaFlops / mmaRate : 0, operandBytes / smem, vector, exchangeBytes / smem, fixed,
                pipelined, operandBytes + exchangeBytes, mmaRate > 0 ? mmaFlops : 0, fmaCycles, sfuCycles);
    }
}
