package io.attnkit.sim.gpu;

import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.TargetSpec;

/**
 * A GPU target in the simulator's units: cycles of the SM clock and bytes. Everything the
 * engine needs comes from the target file and the {@link Microarch} of its {@code arch}.
 *
 * @param smemBytesPerCycle shared-memory bandwidth per SM: the target's {@code l1} bandwidth when it
 *                          gives one, else the microarchitecture's
 * @param dramBytesPerCycle sustained DRAM bandwidth (datasheet figure times the microarchitecture's
 *                          sustainable fraction)
 * @param l2BytesPerCycle   L2 bandwidth, infinite when the target does not give one
 */
public record Machine(TargetSpec target, Microarch micro, int sms, double clockHz, double fmaLanes, double sfuPerCycle,
                      double smemBytesPerCycle, double dramBytesPerCycle, double dramLatencyCycles, double l2BytesPerCycle,
                      double l2LatencyCycles, long l2Bytes, int l2Ways, int l2LineBytes, double launchCycles) {

    /** L2 associativity when the target does not give one (the front end checks that the L2 holds a set of them). */
    public static final int DEFAULT_L2_WAYS = TargetSpec.MemoryLevel.DEFAULT_WAYS;
    /** L2 hit latency when the target does not give one, about 200 cycles on Ampere and Hopper (see docs). */
    public static final double DEFAULT_L2_LATENCY_CYCLES = 200;
    /** DRAM latency when the target does not give one, about 500 cycles. */
    public static final double DEFAULT_DRAM_LATENCY_CYCLES = 500;

    /**
     * The machine of a target. A GPU's units are its SMs and its shared cache is the L2; a
     * CPU's units are its cores (one worker thread each) and its shared cache is the last level
     * (the L3 when the target describes one).
     */
    public static Machine of(TargetSpec t) {
        double clock = t.clockHz();
        double fmaFlops = t.vectorFlops().getOrDefault(DType.F32, 0.0);
        double fmaLanes = fmaFlops > 0 ? fmaFlops / 2 : 64;
        boolean cpu = t.kind() == TargetSpec.Kind.CPU;
        TargetSpec.MemoryLevel shared = cpu ? t.l3().orElse(t.l2()) : t.l2();
        double l1 = t.l1().filter(x -> x.bytesPerSecond() > 0).map(x -> x.bytesPerSecond() / t.units() / clock).orElse(0.0);
        Microarch micro = cpu ? Microarch.cpu(t.arch(), Math.max(1, t.simdBits() / 32), fmaLanes, l1 > 0 ? l1 : 64)
                : Microarch.of(t.arch());
        double dram = t.dram().bytesPerSecond() * micro.dramEfficiency() / clock;
        double dramLatency = t.dram().latency() > 0 ? t.dram().latency() * clock : DEFAULT_DRAM_LATENCY_CYCLES;
        double l2Bw = shared.bytesPerSecond() > 0 ? shared.bytesPerSecond() / clock : Double.POSITIVE_INFINITY;
        double l2Latency = shared.latency() > 0 ? shared.latency() * clock : DEFAULT_L2_LATENCY_CYCLES;
        int ways = shared.waysOrDefault();
        int line = shared.lineBytes() > 0 ? shared.lineBytes() : 128;
        double smem = l1 > 0 ? l1 : micro.smemBytesPerCycle();
        return new Machine(t, micro, t.units(), clock, fmaLanes, t.sfuOps() > 0 ? t.sfuOps() : 16, smem, dram, dramLatency, l2Bw,
                l2Latency, shared.bytes(), ways, line, t.launchOverhead() * clock);
    }

    /**
     * Matrix-unit FLOP per cycle per SM for {@code dtype} through warp-level MMA, or 0 when the
     * type has no tensor path (the matmuls then run on the FMA pipe).
     */
    public double mmaFlopsPerCycle(DType dtype) {
        double peak = target.tensorFlops().getOrDefault(mmaType(dtype), 0.0);
        return peak * micro.mmaSyncEfficiency();
    }

    /**
     * Matrix-unit FLOP per cycle per SM for {@code dtype} through Hopper's warp-group MMA
     * ({@code wgmma}), the path to the tensor peak on sm_90; 0 on a GPU without it or for a type
     * without a tensor path.
     */
    public double warpGroupMmaFlopsPerCycle(DType dtype) {
        return target.tensorFlops().getOrDefault(mmaType(dtype), 0.0) * micro.warpGroupMmaEfficiency();
    }

    /**
     * The type the MMAs of a kernel storing {@code dtype} run in: its own where the target has a
     * matrix unit for it; FP8 where only f16 has one is widened to f16 in registers first, as any
     * kernel storing FP8 must on sm_80, which has no FP8 MMA (an FP8 KV cache on an A100). The
     * conversion's few ALU instructions per element are not charged.
     */
    public DType mmaType(DType dtype) {
        if (target.tensorFlops().containsKey(dtype) || dtype.bytes() >= 2 || !target.tensorFlops().containsKey(DType.F16)) {
            return dtype;
        }
        return DType.F16;
    }

    /**
     * Peak dense FLOP/s for {@code dtype}, the denominator of "% of peak" (datasheet, not the mma.sync rate):
     * that of its {@link #mmaType}. A type the target has no matrix unit for runs its matmuls on
     * the FMA pipe, whose peak it then is.
     */
    public double peakFlops(DType dtype) {
        double peak = target.peakFlops(mmaType(dtype));
        return peak > 0 ? peak : 2 * fmaLanes * sms * clockHz;
    }

    public double seconds(double cycles) {
        return cycles / clockHz;
    }
}
