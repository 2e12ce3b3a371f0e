package io.attnkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Program;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.report.SimJson;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fused schedule end to end: what it charges, against counts made independently from the block map. */
class FlashSimulationTest {
    private static final TargetSpec H100 = Fixtures.target("h100-sxm");
    private static final TargetSpec A100 = Fixtures.target("a100-40gb");

    static KernelSpec kernel(String shape, String tiles, String masks) {
        return Fixtures.kernel("kernel k { shape " + shape + "; dtype bf16, accumulate f32; tile " + tiles + "; " + masks + " }");
    }

    /** L2 bytes a kernel must move: Q tiles of rows that see something, K/V tiles visited, O and LSE of every row. */
    static long[] expectedL2Bytes(KernelSpec k, BlockMap map) {
        Shape s = k.shape();
        int in = k.dtype().bytes();
        long read = 0;
        long write = 0;
        int q = k.tiles().q();
        int kv = k.tiles().kv();
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.heads(); h++) {
                BlockMap.Pattern p = map.pattern(b, h);
                for (int qb = 0; qb < map.qBlocks(); qb++) {
                    long rows = Math.min(q, s.qLen() - (long) qb * q);
                    long[] keys = {0};
                    p.forEachTile(qb, (kb, kind) -> keys[0] += Math.min(kv, s.kvLen() - (long) kb * kv));
                    if (p.visitedTiles(qb) > 0) {
                        read += rows * s.headDim() * in + keys[0] * (s.headDim() + s.vDim()) * in;
                    }
                    write += rows * s.vDim() * k.dtype().outputType().bytes() + rows * 4;
                }
            }
        }
        return new long[] {read, write};
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "batch 2, heads 6, kv_heads 2, q_len 1000, kv_len 1337, head_dim 64 # q 64, kv 48, stages 2 # mask causal;",
        "batch 1, heads 4, q_len 777, head_dim 128, v_dim 64 # q 128, kv 64, stages 3 # mask window(200) | sink(17);",
        "batch 3, heads 2, q_len 300, kv_len 5, head_dim 32 # q 64, kv 64, stages 1 # mask causal;",
        "batch 1, heads 8, kv_heads 4, q_len 2048, head_dim 64 # q 128, kv 64, stages 2 # heads 0..3 : causal; heads 4..7 : window(256);",
        "batch 1, heads 2, q_len 1500, head_dim 64 # q 64, kv 64, stages 2 # mask document(700, 500, 300);"})
    void chargesExactlyTheTilesOfTheBlockMap(String config) {
        String[] c = config.split("#");
        KernelSpec k = kernel(c[0], c[1], c[2]);
        BlockMap map = BlockMap.of(k);
        SimResult r = Simulator.simulate(k, H100, map, SimOptions.defaults());
        long[] expected = expectedL2Bytes(k, map);
        assertEquals(expected[0], r.l2ReadBytes(), "L2 read bytes");
        assertEquals(expected[1], r.l2WriteBytes(), "L2 write bytes");
        assertEquals(map.visitedTiles(), r.launches().getFirst().tiles());
        // Writes are not absorbed by an earlier write (each output is written once): all reach DRAM.
        assertEquals(expected[1], r.dramWriteBytes(), 1e-6 * expected[1]);
        assertTrue(r.dramReadBytes() <= r.l2ReadBytes() + 1e-6 && r.dramReadBytes() > 0);
        assertTrue(r.seconds() > 0 && r.fractionOfPeak() > 0 && r.fractionOfPeak() < 1);
    }

    @Test
    void advancingRunsInClosedFormMatchesAdvancingTileByTile() {
        KernelSpec k = kernel("batch 1, heads 8, kv_heads 2, q_len 3000, head_dim 64", "q 128, kv 64, stages 2", "mask causal;");
        BlockMap map = BlockMap.of(k);
        SimResult runs = Simulator.simulate(k, H100, map, SimOptions.defaults());
        SimResult tiles = Simulator.simulate(k, H100, map, SimOptions.defaults().withMaxChunkSteps(1));
        // Runs still stop where the L2's answer changes: the four query heads of a KV head form a
        // convoy as their CTAs begin, and each joining CTA wakes the others (about a fifth of a
        // run's tiles here, against one event per tile).
        assertTrue(tiles.events() >= map.visitedTiles() && runs.events() < map.visitedTiles() / 4,
                "an event per tile, or per run: " + tiles.events() + " vs " + runs.events());
        assertEquals(runs.cycles(), tiles.cycles(), 1e-9 * runs.cycles());
        assertEquals(runs.l2ReadBytes(), tiles.l2ReadBytes());
        assertEquals(runs.tensorActive(), tiles.tensorActive(), 1e-9);
        // The reuse model sees a trail per tile instead of one per run: same answer within its own accuracy.
        assertEquals(runs.dramReadBytes(), tiles.dramReadBytes(), 0.15 * runs.dramReadBytes());
    }

    @Test
    void sameInputGivesByteIdenticalJson() {
        KernelSpec k = kernel("batch 2, heads 4, kv_heads 2, q_len 1111, head_dim 64", "q 64, kv 64, stages 2", "mask causal;");
        String a = SimJson.toJson(Simulator.simulate(k, A100, BlockMap.of(k), SimOptions.defaults()));
        String b = SimJson.toJson(Simulator.simulate(k, A100, BlockMap.of(k), SimOptions.defaults()));
        assertEquals(a, b);
        for (String metric : List.of("\"dram__bytes_read.sum\"", "\"dram__bytes_write.sum\"", "\"lts__t_bytes.sum\"",
                "\"lts__t_sector_hit_rate.pct\"", "\"sm__cycles_elapsed.avg\"", "\"gpu__time_duration.sum\"",
                "\"sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_elapsed\"",
                "\"launch__waves_per_multiprocessor\"")) {
            assertTrue(a.contains(metric), metric);
        }
    }

    /** The trace only watches: sampling its counters must not move the L2 model's refresh points. */
    @Test
    void aTracedRunGivesTheSameFigures() {
        KernelSpec k = kernel("batch 1, heads 32, kv_heads 8, q_len 8000, head_dim 128", "q 128, kv 64, stages 2, warps 4", "mask causal;");
        String plain = SimJson.toJson(Simulator.simulate(k, H100, BlockMap.of(k), SimOptions.defaults()));
        Simulator.Run traced = Simulator.run(k, H100, BlockMap.of(k), SimOptions.defaults().withTrace(256));
        assertTrue(traced.trace().isPresent());
        assertEquals(plain, SimJson.toJson(traced.result()));
    }

    @Test
    void skippedBlocksCostOnlyScheduling() {
        KernelSpec dense = kernel("batch 1, heads 16, q_len 8192, head_dim 128", "q 128, kv 64, stages 2", "mask causal;");
        KernelSpec window = kernel("batch 1, heads 16, q_len 8192, head_dim 128", "q 128, kv 64, stages 2", "mask window(1024);");
        SimResult d = Simulator.simulate(dense, H100, BlockMap.of(dense), SimOptions.defaults());
        SimResult w = Simulator.simulate(window, H100, BlockMap.of(window), SimOptions.defaults());
        double tileRatio = (double) w.visitedTiles() / d.visitedTiles();
        double timeRatio = w.seconds() / d.seconds();
        // Same grid and per-CTA overheads; the time follows the tiles visited, plus the fixed cost per CTA.
        assertTrue(timeRatio > tileRatio - 0.02 && timeRatio < tileRatio + 0.1, "time ratio " + timeRatio + " tiles " + tileRatio);
    }

    @Test
    void rowsThatSeeNothingLoadNothing() {
        // q_len > kv_len under a causal mask: the first rows sit at negative positions and see no key.
        KernelSpec k = kernel("batch 1, heads 1, q_len 512, kv_len 128, head_dim 64", "q 64, kv 64, stages 2", "mask causal;");
        BlockMap map = BlockMap.of(k);
        SimResult r = Simulator.simulate(k, H100, map, SimOptions.defaults());
        long[] expected = expectedL2Bytes(k, map);
        assertEquals(expected[0], r.l2ReadBytes());
        assertTrue(expected[0] < 8L * 64 * 64 * 2 + 4 * 128 * 128 * 2, "only the last q-blocks load");
    }

    /**
     * The A100 has no FP8 matrix unit: a kernel storing FP8 widens its operands to f16 for
     * mma.sync (an FP8 KV cache on sm_80). The simulator did the matmuls on the FP32 FMA pipe
     * instead ("73.9% of the 19.5 TFLOP/s peak", 16 times slower than f16). It now runs them at
     * the f16 rate, says so, and measures against the f16 peak; the H100 keeps its FP8 rate.
     */
    @Test
    void fp8WithoutAnFp8MatrixUnitRunsItsMmasInF16() {
        String shape = "kernel k { shape batch 2, heads 2, q_len 1024, head_dim 64; dtype %s, accumulate f32; "
                + "tile q 128, kv 64, stages 2; }";
        KernelSpec fp8 = Fixtures.kernel(String.format(shape, "fp8-e4m3"));
        KernelSpec f16 = Fixtures.kernel(String.format(shape, "f16"));
        SimResult r = Simulator.simulate(fp8, A100, BlockMap.of(fp8), SimOptions.defaults());
        SimResult half = Simulator.simulate(f16, A100, BlockMap.of(f16), SimOptions.defaults());
        assertEquals(311.9e12, r.peakFlops(), 0.1e12, "the A100's f16 tensor peak");
        assertEquals(Optional.of("f16"), r.mmaWidenedTo());
        assertTrue(r.seconds() <= half.seconds() * 1.001 && r.seconds() > 0.8 * half.seconds(),
                "fp8 " + r.seconds() + " s against f16 " + half.seconds() + " s: the same MMAs, half the bytes");
        SimResult h100 = Simulator.simulate(fp8, H100, BlockMap.of(fp8), SimOptions.defaults());
        assertEquals(Optional.empty(), h100.mmaWidenedTo());
        assertEquals(1978.9e12, h100.peakFlops(), 0.1e12, "the H100's FP8 tensor peak");
    }

    /**
     * A GPU without a matrix unit for the kernel's type (bf16 on a Volta-like part with f16 MMAs
     * only; f32 on the A100) runs the matmuls on the FMA pipe, and the result says so: the probe of
     * a user-defined V100 found "70.1% of the 15.7 TFLOP/s peak" with nothing saying why.
     */
    @Test
    void aTypeWithoutAMatrixUnitSaysItsMatmulsRunOnTheFmaPipe() {
        Program p = Fixtures.program("""
                target volta extends a100-40gb { tensor f16 2048 flop/cycle/sm; }
                kernel k { shape batch 2, heads 2, q_len 1000, head_dim 64; dtype bf16; tile q 64, kv 64, stages 2; }
                kernel h { shape batch 2, heads 2, q_len 1000, head_dim 64; dtype f16; tile q 64, kv 64, stages 2; }
                kernel s { shape batch 2, heads 2, q_len 1000, head_dim 64; dtype f32; tile q 64, kv 32, stages 1; }
                """);
        TargetSpec volta = p.target("volta").orElseThrow();
        KernelSpec bf16 = p.kernel("k").orElseThrow();
        SimResult r = Simulator.simulate(bf16, volta, BlockMap.of(bf16), SimOptions.defaults());
        assertEquals(Optional.of(SimResult.FMA_PIPE), r.mmaWidenedTo());
        assertEquals(0, r.tensorActive(), "nothing on the tensor pipe");
        assertTrue(r.peakFlops() < 0.2 * 311.9e12, r.peakFlops() + ": the FMA pipe's peak, not the tensor pipe's");
        assertTrue(io.attnkit.sim.report.SimText.headline(r).contains("matmuls on the FMA pipe"),
                io.attnkit.sim.report.SimText.headline(r));
        KernelSpec f16 = p.kernel("h").orElseThrow();
        SimResult half = Simulator.simulate(f16, volta, BlockMap.of(f16), SimOptions.defaults());
        assertEquals(Optional.empty(), half.mmaWidenedTo());
        assertTrue(half.seconds() < r.seconds() / 4, "the f16 MMAs " + half.seconds() + " s against " + r.seconds() + " s");
        KernelSpec f32 = p.kernel("s").orElseThrow();
        assertEquals(Optional.of(SimResult.FMA_PIPE),
                Simulator.simulate(f32, A100, BlockMap.of(f32), SimOptions.defaults()).mmaWidenedTo());
    }

    @Test
    void decodeIsBoundByMemoryNotByTheTensorPipe() {
        KernelSpec k = kernel("batch 1, heads 32, kv_heads 8, q_len 1, kv_len 32768, head_dim 128", "q 64, kv 64, stages 2", "mask causal;");
        SimResult r = Simulator.simulate(k, H100, BlockMap.of(k), SimOptions.defaults());
        double kvBytes = 8.0 * 32768 * 128 * 2 * 2;
        double floor = kvBytes / (3.35e12 * 0.9);
        assertTrue(r.seconds() > floor, "no faster than streaming K and V once from HBM");
        // One query row in a 64-row tile: the MMAs run, mostly on padding, while the loads wait.
        assertTrue(r.tensorActive() < 0.25, "tensor pipe mostly idle: " + r.tensorActive());
        assertTrue(r.dramReadBytes() >= kvBytes * 0.99, "K and V come from HBM at least once");
    }

    @Test
    void anElasticMixCostsWhatItsHeadsCostAndItsTilesAreTheSum() {
        String shape = "batch 1, heads 32, kv_heads 8, q_len 16384, head_dim 128";
        KernelSpec dense = kernel(shape, "q 128, kv 64, stages 2", "mask causal;");
        KernelSpec sparse = kernel(shape, "q 128, kv 64, stages 2", "mask causal; heads * : sink(128) | window(2048);");
        KernelSpec mix = kernel(shape, "q 128, kv 64, stages 2", "mask causal; heads 0..15 : dense; heads 16..31 : sink(128) | window(2048);");
        SimResult d = Simulator.simulate(dense, H100, BlockMap.of(dense), SimOptions.defaults());
        SimResult s = Simulator.simulate(sparse, H100, BlockMap.of(sparse), SimOptions.defaults());
        SimResult m = Simulator.simulate(mix, H100, BlockMap.of(mix), SimOptions.defaults());
        assertEquals((d.visitedTiles() + s.visitedTiles()) / 2, m.visitedTiles());
        assertTrue(m.seconds() < d.seconds() && m.seconds() > s.seconds());
        double balanced = (d.seconds() + s.seconds()) / 2;
        assertEquals(balanced, m.seconds(), 0.15 * balanced);
    }
}
