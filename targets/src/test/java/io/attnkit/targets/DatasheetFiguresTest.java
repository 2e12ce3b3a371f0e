package io.attnkit.targets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.TargetSpec;
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
}
