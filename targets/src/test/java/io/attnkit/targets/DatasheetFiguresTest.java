package io.attnkit.targets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.dsl.source.Span;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The built-in targets against the totals their sources publish: per-unit, per-cycle figures
 * multiplied out must land within 1% of the datasheet's chip totals.
 */
class DatasheetFiguresTest {
    private static final Map<String, TargetSpec> TARGETS = BuiltinTargetsTest.builtins();
    private static final double KIB = 1024;
    private static final double MIB = 1024 * KIB;
    private static final double GIB = 1024 * MIB;
    private static final TargetSpec.MemoryLevel NO_MEMORY = new TargetSpec.MemoryLevel(0, 0, 0, 0, 0, false);

    static TargetSpec target(String name) {
        TargetSpec t = TARGETS.get(name);
        assertTrue(t != null, "no built-in target " + name + " among " + TARGETS.keySet());
        return t;
    }

    static void within1Percent(double published, double modelled, String what) {
        double error = Math.abs(modelled - published) / published;
        assertTrue(error <= 0.01, () -> String.format("%s: modelled %.6g, published %.6g (%.2f%% off)", what, modelled,
                published, 100 * error));
    }

    /** The FMA pipe's chip total at a given clock: NVIDIA quotes non-tensor peaks at the maximum boost clock. */
    static double vectorFlopsAt(TargetSpec t, DType type, double clockHz) {
        return t.vectorFlops().getOrDefault(type, 0.0) * t.units() * clockHz;
    }

    @Test
    void a100With40GbMatchesItsWhitepaperAndDatasheet() {
        TargetSpec t = target("a100-40gb");
        within1Percent(312e12, t.peakFlops(DType.F16), "A100 dense FP16 Tensor Core");
        within1Percent(312e12, t.peakFlops(DType.BF16), "A100 dense BF16 Tensor Core");
        within1Percent(19.5e12, t.peakFlops(DType.F32), "A100 FP32");
        within1Percent(78e12, vectorFlopsAt(t, DType.F16, t.clockHz()), "A100 FP16 non-tensor");
        within1Percent(39e12, vectorFlopsAt(t, DType.BF16, t.clockHz()), "A100 BF16 non-tensor");
        within1Percent(1.555e12, t.dram().bytesPerSecond(), "A100 40GB HBM2 bandwidth");
        within1Percent(5120 * 1.41e9, t.l2().bytesPerSecond(), "A100 L2 read bandwidth, 5120 B/clk");
        within1Percent(128, t.l1().orElseThrow().bytesPerSecond() / t.units() / t.clockHz(), "A100 shared memory B/cycle/SM");
        assertEquals(108, t.units());
        assertEquals(40 * MIB, t.l2().bytes());
        assertEquals(40 * GIB, t.dram().bytes());
        assertEquals(164 * KIB, t.sharedMemPerUnit());
        assertEquals(163 * KIB, t.sharedMemPerBlock());
        assertEquals(192 * KIB, t.l1().orElseThrow().bytes());
        assertEquals(65536, t.registersPerUnit());
    }

    @Test
    void a100With80GbDiffersFromThe40GbPartOnlyInItsMemory() {
        TargetSpec big = target("a100-80gb");
        TargetSpec small = target("a100-40gb");
        within1Percent(2.039e12, big.dram().bytesPerSecond(), "A100 80GB SXM HBM2e bandwidth");
        assertEquals(80 * GIB, big.dram().bytes());
        within1Percent(312e12, big.peakFlops(DType.BF16), "A100 80GB dense BF16 Tensor Core");
        assertEquals(sameButMemory(small), sameButMemory(big));
    }

    @Test
    void h100SxmMatchesItsDatasheetAndFlashAttention3() {
        TargetSpec t = target("h100-sxm");
        within1Percent(989.4e12, t.peakFlops(DType.BF16), "H100 SXM dense BF16 Tensor Core");
        within1Percent(989.4e12, t.peakFlops(DType.F16), "H100 SXM dense FP16 Tensor Core");
        within1Percent(1978.9e12, t.peakFlops(DType.FP8_E4M3), "H100 SXM dense FP8 Tensor Core");
        within1Percent(67e12, vectorFlopsAt(t, DType.F32, 1.98e9), "H100 SXM FP32 at the 1980 MHz boost");
        within1Percent(133.8e12, vectorFlopsAt(t, DType.BF16, 1.98e9), "H100 SXM BF16 non-tensor at 1980 MHz");
        within1Percent(3.35e12, t.dram().bytesPerSecond(), "H100 SXM HBM3 bandwidth");
        within1Percent(12e12, t.l2().bytesPerSecond(), "FlashAttention-3 Table 1 L2 bandwidth");
        within1Percent(31e12, t.l1().orElseThrow().bytesPerSecond(), "FlashAttention-3 Table 1 SMEM bandwidth");
        assertEquals(1.83e9, t.clockHz());
        assertEquals(132, t.units());
        assertEquals(50 * MIB, t.l2().bytes());
        assertEquals(80 * GIB, t.dram().bytes());
        assertEquals(228 * KIB, t.sharedMemPerUnit());
        assertEquals(227 * KIB, t.sharedMemPerBlock());
        assertEquals(256 * KIB, t.l1().orElseThrow().bytes());
    }

    @Test
    void h200IsAnH100SxmWithHbm3e() {
        TargetSpec t = target("h200");
        within1Percent(1979e12 / 2, t.peakFlops(DType.BF16), "H200 SXM BF16 Tensor Core, half the sparse figure");
        within1Percent(3958e12 / 2, t.peakFlops(DType.FP8_E4M3), "H200 SXM FP8 Tensor Core, half the sparse figure");
        within1Percent(4.8e12, t.dram().bytesPerSecond(), "H200 SXM HBM3e bandwidth");
        within1Percent(141e9, t.dram().bytes(), "H200 SXM HBM3e capacity");
        assertEquals(sameButMemory(target("h100-sxm")), sameButMemory(t));
    }

    /** Every figure of a target except its name, memory and source position. */
    static TargetSpec sameButMemory(TargetSpec t) {
        return new TargetSpec("", t.kind(), t.backend(), t.arch(), t.units(), t.clockHz(), t.tensorFlops(), t.vectorFlops(),
                t.sfuOps(), t.sharedMemPerUnit(), t.sharedMemPerBlock(), t.registersPerUnit(), t.maxThreadsPerUnit(),
                t.maxBlocksPerUnit(), t.simdBits(), t.l1(), t.l2(), t.l3(), NO_MEMORY, t.launchOverhead(), Span.NONE);
    }
}
