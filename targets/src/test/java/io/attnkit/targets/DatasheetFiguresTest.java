package io.attnkit.targets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.dsl.source.Span;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The built-in targets against the figures their sources publish: per-unit, per-cycle figures
 * multiplied out must land within 1% of the datasheet's chip totals, and sizes must match.
 */
class DatasheetFiguresTest {
    private static final Map<String, TargetSpec> TARGETS = BuiltinTargetsTest.builtins();
    private static final double KIB = 1024;
    private static final double MIB = 1024 * KIB;
    private static final double GIB = 1024 * MIB;
    private static final TargetSpec.MemoryLevel NO_MEMORY = new TargetSpec.MemoryLevel(0, 0, 0, 0, 0, false);

    /** One published figure: which target, what the source says, and how the model yields it. */
    record Published(String target, String figure, double value, ToDoubleFunction<TargetSpec> modelled) {
        @Override
        public String toString() {
            return target + ": " + figure;
        }
    }

    static Stream<Published> published() {
        return Stream.of(
                // A100 whitepaper Table 1 and datasheet (SXM, boost clock 1410 MHz).
                row("a100-40gb", "dense FP16 Tensor Core 312 TFLOPS", 312e12, t -> t.peakFlops(DType.F16)),
                row("a100-40gb", "dense BF16 Tensor Core 312 TFLOPS", 312e12, t -> t.peakFlops(DType.BF16)),
                row("a100-40gb", "FP32 19.5 TFLOPS", 19.5e12, t -> t.peakFlops(DType.F32)),
                row("a100-40gb", "FP16 non-tensor 78 TFLOPS", 78e12, t -> fma(t, DType.F16, t.clockHz())),
                row("a100-40gb", "BF16 non-tensor 39 TFLOPS", 39e12, t -> fma(t, DType.BF16, t.clockHz())),
                row("a100-40gb", "HBM2 1555 GB/s", 1.555e12, t -> t.dram().bytesPerSecond()),
                row("a100-40gb", "HBM 40 GiB", 40 * GIB, t -> t.dram().bytes()),
                row("a100-40gb", "L2 40 MiB", 40 * MIB, t -> t.l2().bytes()),
                row("a100-40gb", "L2 read bandwidth 5120 B/clk", 5120 * 1.41e9, t -> t.l2().bytesPerSecond()),
                row("a100-40gb", "shared memory 128 B/clk/SM", 128, t -> t.l1().orElseThrow().bytesPerSecond() / t.units() / t.clockHz()),
                row("a100-40gb", "192 KB L1/shared per SM", 192 * KIB, t -> t.l1().orElseThrow().bytes()),
                row("a100-40gb", "164 KB shared memory per SM", 164 * KIB, t -> t.sharedMemPerUnit()),
                row("a100-40gb", "163 KB shared memory per block", 163 * KIB, t -> t.sharedMemPerBlock()),
                row("a100-40gb", "64 K registers per SM", 65536, t -> t.registersPerUnit()),
                // A100 datasheet, 80GB SXM.
                row("a100-80gb", "dense BF16 Tensor Core 312 TFLOPS", 312e12, t -> t.peakFlops(DType.BF16)),
                row("a100-80gb", "HBM2e 2039 GB/s", 2.039e12, t -> t.dram().bytesPerSecond()),
                row("a100-80gb", "HBM 80 GiB", 80 * GIB, t -> t.dram().bytes()),
                // H100 datasheet (SXM), FlashAttention-3 Table 1; NVIDIA quotes FMA-pipe peaks at 1980 MHz.
                row("h100-sxm", "dense BF16 Tensor Core 989.4 TFLOPS", 989.4e12, t -> t.peakFlops(DType.BF16)),
                row("h100-sxm", "dense FP16 Tensor Core 989.4 TFLOPS", 989.4e12, t -> t.peakFlops(DType.F16)),
                row("h100-sxm", "dense FP8 Tensor Core 1978.9 TFLOPS", 1978.9e12, t -> t.peakFlops(DType.FP8_E4M3)),
                row("h100-sxm", "FP32 67 TFLOPS at 1980 MHz", 67e12, t -> fma(t, DType.F32, 1.98e9)),
                row("h100-sxm", "BF16 non-tensor 133.8 TFLOPS at 1980 MHz", 133.8e12, t -> fma(t, DType.BF16, 1.98e9)),
                row("h100-sxm", "HBM3 3.35 TB/s", 3.35e12, t -> t.dram().bytesPerSecond()),
                row("h100-sxm", "GMEM 80 GiB", 80 * GIB, t -> t.dram().bytes()),
                row("h100-sxm", "L2 50 MiB", 50 * MIB, t -> t.l2().bytes()),
                row("h100-sxm", "L2 12 TB/s (FlashAttention-3)", 12e12, t -> t.l2().bytesPerSecond()),
                row("h100-sxm", "SMEM 31 TB/s per GPU (FlashAttention-3)", 31e12, t -> t.l1().orElseThrow().bytesPerSecond()),
                row("h100-sxm", "228 KB shared memory per SM", 228 * KIB, t -> t.sharedMemPerUnit()),
                row("h100-sxm", "227 KB shared memory per block", 227 * KIB, t -> t.sharedMemPerBlock()),
                row("h100-sxm", "256 KB L1/shared per SM", 256 * KIB, t -> t.l1().orElseThrow().bytes()),
                // H100 datasheet (PCIe column), sparse Tensor Core figures twice the dense ones; Hopper whitepaper.
                row("h100-pcie", "BF16 Tensor Core 1513 TFLOPS sparse", 1513e12 / 2, t -> t.peakFlops(DType.BF16)),
                row("h100-pcie", "FP16 Tensor Core 1513 TFLOPS sparse", 1513e12 / 2, t -> t.peakFlops(DType.F16)),
                row("h100-pcie", "FP8 Tensor Core 3026 TFLOPS sparse", 3026e12 / 2, t -> t.peakFlops(DType.FP8_E4M3)),
                row("h100-pcie", "FP32 51 TFLOPS at 1750 MHz", 51e12, t -> fma(t, DType.F32, 1.75e9)),
                row("h100-pcie", "HBM2e 2 TB/s", 2e12, t -> t.dram().bytesPerSecond()),
                row("h100-pcie", "GPU memory 80 GiB", 80 * GIB, t -> t.dram().bytes()),
                row("h100-pcie", "L2 50 MiB", 50 * MIB, t -> t.l2().bytes()),
                row("h100-pcie", "114 SMs", 114, t -> t.units()),
                row("h100-pcie", "shared memory 128 B/clk/SM", 128, t -> t.l1().orElseThrow().bytesPerSecond() / t.units() / t.clockHz()),
                row("h100-pcie", "228 KB shared memory per SM", 228 * KIB, t -> t.sharedMemPerUnit()),
                row("h100-pcie", "227 KB shared memory per block", 227 * KIB, t -> t.sharedMemPerBlock()),
                // H200 datasheet (SXM): sparse Tensor Core figures are twice the dense ones.
                row("h200", "BF16 Tensor Core 1979 TFLOPS sparse", 1979e12 / 2, t -> t.peakFlops(DType.BF16)),
                row("h200", "FP8 Tensor Core 3958 TFLOPS sparse", 3958e12 / 2, t -> t.peakFlops(DType.FP8_E4M3)),
                row("h200", "HBM3e 4.8 TB/s", 4.8e12, t -> t.dram().bytesPerSecond()),
                row("h200", "HBM3e 141 GB", 141e9, t -> t.dram().bytes()),
                // Intel ARK, Xeon Platinum 8480+.
                row("xeon-8480", "56 cores x 2 AVX-512 FMA units x 16 lanes x 2 GHz", 56 * 2 * 16 * 2 * 2.0e9, t -> t.peakFlops(DType.F32)),
                row("xeon-8480", "8 channels DDR5-4800", 8 * 4800e6 * 8, t -> t.dram().bytesPerSecond()),
                row("xeon-8480", "105 MB L3", 56 * 1.875 * MIB, t -> t.l3().orElseThrow().bytes()),
                row("xeon-8480", "2 MB L2 per core", 2 * MIB, t -> t.l2().bytes()),
                // host-probe on the test machine.
                row("host-epyc-2c", "f32 FMA one core 102.6 GFLOP/s", 102.6e9, t -> t.vectorFlops().get(DType.F32) * t.clockHz()),
                row("host-epyc-2c", "clock 3.207 GHz", 3.207e9, TargetSpec::clockHz),
                row("host-epyc-2c", "DRAM read 34.7 GB/s on two threads", 34.7e9, t -> t.dram().bytesPerSecond()),
                row("host-epyc-2c", "L2 512 KiB per core", 512 * KIB, t -> t.l2().bytes()),
                // host-probe on the Zen 5 machine, and AMD's Zen 5 optimization guide.
                row("host-zen5-2c", "f32 FMA 212.6 GFLOP/s per core, both busy (512-bit)", 212.6e9, t -> t.vectorFlops().get(DType.F32) * t.clockHz()),
                row("host-zen5-2c", "L1D 48 KiB per core", 48 * KIB, t -> t.l1().orElseThrow().bytes()),
                row("host-zen5-2c", "L2 1 MiB per core", MIB, t -> t.l2().bytes()),
                // host-probe and sysfs on the Zen 4 machine.
                row("host-zen4-2c", "f32 FMA one core 115.2-117.4 GFLOP/s (512-bit in two halves)", 115.2e9,
                        t -> t.vectorFlops().get(DType.F32) * t.clockHz()),
                row("host-zen4-2c", "L1D 32 KiB per core, 8-way", 32 * KIB, t -> t.l1().orElseThrow().bytes()),
                row("host-zen4-2c", "L2 1 MiB per core", MIB, t -> t.l2().bytes()),
                row("host-zen4-2c", "DRAM read 32.5 GB/s on two threads", 32.5e9, t -> t.dram().bytesPerSecond()));
    }

    private static Published row(String target, String figure, double value, ToDoubleFunction<TargetSpec> modelled) {
        return new Published(target, figure, value, modelled);
    }

    /** The FMA pipe's chip total at a given clock. */
    private static double fma(TargetSpec t, DType type, double clockHz) {
        return t.vectorFlops().getOrDefault(type, 0.0) * t.units() * clockHz;
    }

    static TargetSpec target(String name) {
        TargetSpec t = TARGETS.get(name);
        assertNotNull(t, "no built-in target " + name + " among " + TARGETS.keySet());
        return t;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("published")
    void agreesWithThePublishedFigureWithin1Percent(Published p) {
        double modelled = p.modelled().applyAsDouble(target(p.target()));
        double error = Math.abs(modelled - p.value()) / p.value();
        assertTrue(error <= 0.01, () -> String.format("%s: modelled %.6g, published %.6g (%.2f%% off)", p, modelled,
                p.value(), 100 * error));
    }

    @Test
    void everyBuiltinTargetHasPublishedFiguresChecked() {
        assertEquals(TARGETS.keySet(), published().map(Published::target).collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void a100With80GbDiffersFromThe40GbPartOnlyInItsMemory() {
        assertEquals(withoutMemory(target("a100-40gb")), withoutMemory(target("a100-80gb")));
    }

    @Test
    void h200DiffersFromTheH100SxmOnlyInItsMemory() {
        assertEquals(withoutMemory(target("h100-sxm")), withoutMemory(target("h200")));
    }

    /** Every figure of a target except its name, memory and source position. */
    private static TargetSpec withoutMemory(TargetSpec t) {
        return new TargetSpec("", t.kind(), t.backend(), t.arch(), t.units(), t.clockHz(), t.tensorFlops(), t.vectorFlops(),
                t.sfuOps(), t.sharedMemPerUnit(), t.sharedMemPerBlock(), t.registersPerUnit(), t.maxThreadsPerUnit(),
                t.maxBlocksPerUnit(), t.simdBits(), t.l1(), t.l2(), t.l3(), NO_MEMORY, t.launchOverhead(), Span.NONE);
    }
}
