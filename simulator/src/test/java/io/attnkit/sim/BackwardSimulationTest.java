package io.attnkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.gpu.LaunchStats;
import io.attnkit.sim.report.SimJson;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The backward passes: bytes counted independently from the block map, by hand on a small case. */
class BackwardSimulationTest {
    private static final TargetSpec A100 = Fixtures.target("a100-40gb");

    static KernelSpec kernel(String shape, String tiles, String masks) {
        return Fixtures.kernel("kernel k { shape " + shape + "; dtype f16, accumulate f32; tile " + tiles + "; " + masks + " }");
    }

    private static long rows(Shape s, int tile, int block, boolean keys) {
        int len = keys ? s.kvLen() : s.qLen();
        return Math.min(tile, len - (long) block * tile);
    }

    /** L2 bytes {read, write} of FlashAttention-2's backward: dot kernel, main loop, dQ conversion, group sums. */
    static long[] flashBackwardBytes(KernelSpec k, BlockMap map) {
        Shape s = k.shape();
        int d = s.headDim();
        int dv = s.vDim();
        int tq = k.tiles().q();
        int tk = k.tiles().kv();
        long read = 0;
        long write = 0;
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.heads(); h++) {
                BlockMap.Pattern p = map.pattern(b, h);
                long[] visits = new long[map.kvBlocks()];
                for (int qb = 0; qb < map.qBlocks(); qb++) {
                    long r = rows(s, tq, qb, false);
                    read += 2 * r * dv * 2; // dot: O, dO
                    write += r * 4 + r * d * 4; // D, cleared dQ accumulator
                    read += r * d * 4; // convert: accumulator
                    write += r * d * 2; // dQ
                    long[] tiles = {0};
                    p.forEachTile(qb, (kb, kind) -> {
                        visits[kb]++;
                        tiles[0]++;
                    });
                    read += tiles[0] * (r * d * 2 + r * dv * 2 + 2 * r * 4 + r * d * 4); // Q, dO, LSE, D, dQ accumulator
                    write += tiles[0] * r * d * 4; // the atomic's write
                }
                for (int kb = 0; kb < map.kvBlocks(); kb++) {
                    long keys = rows(s, tk, kb, true);
                    if (visits[kb] > 0) {
                        read += keys * (d + dv) * 2;
                    }
                    write += keys * (d + dv) * 2;
                }
            }
        }
        if (s.kvHeads() != s.heads()) {
            for (int kb = 0; kb < map.kvBlocks(); kb++) {
                long keys = rows(s, tk, kb, true);
                read += (long) s.batch() * s.heads() * keys * (d + dv) * 2;
                write += (long) s.batch() * s.kvHeads() * keys * (d + dv) * 2;
            }
        }
        return new long[] {read, write};
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "batch 2, heads 4, kv_heads 2, q_len 1000, kv_len 777, head_dim 64 # q 64, kv 64, stages 2 # mask causal;",
        "batch 1, heads 3, q_len 611, head_dim 32 # q 128, kv 64, stages 2 # ",
        "batch 1, heads 2, q_len 900, head_dim 64, v_dim 32 # q 64, kv 128, stages 2 # mask window(150) | sink(9);",
        "batch 1, heads 4, kv_heads 1, q_len 513, head_dim 64 # q 64, kv 64, stages 2 # mask document(300, 213);"})
    void flashBackwardChargesExactlyTheTilesOfTheBlockMap(String config) {
        String[] c = config.split("#");
        KernelSpec k = kernel(c[0], c[1], c[2]);
        BlockMap map = BlockMap.of(k);
        SimResult r = Simulator.simulate(k, A100, map, SimOptions.defaults().withPass(Pass.BWD));
        long[] expected = flashBackwardBytes(k, map);
        assertEquals(expected[0], r.l2ReadBytes(), "L2 read bytes");
        assertEquals(expected[1], r.l2WriteBytes(), "L2 write bytes");
        assertEquals(map.visitedTiles(), r.launches().get(1).tiles(), "the backward visits the forward's tiles");
        assertTrue(r.seconds() > 0 && r.dramReadBytes() <= r.l2ReadBytes() + 1e-6);
    }

    @Test
    void flashBackwardByHandOnARaggedDenseHead() {
        // One head, 100 queries and keys, d 16, 64 x 64 tiles: q-blocks of 64 and 36 rows, K/V blocks of 64 and 36 keys,
        // all four tiles visited.
        KernelSpec k = kernel("batch 1, heads 1, q_len 100, head_dim 16", "q 64, kv 64, stages 2", "");
        SimResult r = Simulator.simulate(k, A100, BlockMap.of(k), SimOptions.defaults().withPass(Pass.BWD));
        // dot: O and dO (100 x 16 x 2 B each) = 6400; main: K, V once (2 x 100 x 16 x 2 = 6400), and for each of the two
        // K/V blocks every row's Q, dO (2 x 32 B), LSE, D (8 B), accumulator (64 B) = 136 B x 100 rows x 2 = 27200;
        // convert: the accumulator, 100 x 64 = 6400.
        assertEquals(6400 + 6400 + 27200 + 6400, r.l2ReadBytes());
        // dot: D and the cleared accumulator, 100 x (4 + 64) = 6800; main: the atomics' writes, 100 x 64 x 2 = 12800,
        // dK and dV 6400; convert: dQ, 3200.
        assertEquals(6800 + 12800 + 6400 + 3200, r.l2WriteBytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "mask causal;"})
    void standardBackwardMovesTheNByNMatricesPyTorchKeeps(String mask) {
        // Ragged: 300 queries and 200 keys in 128 x 128 tiles.
        KernelSpec k = kernel("batch 2, heads 2, q_len 300, kv_len 200, head_dim 64", "q 64, kv 64, stages 2", mask);
        for (double dropout : new double[] {0, 0.1}) {
            SimResult r = Simulator.simulate(k, A100, BlockMap.of(k),
                    SimOptions.defaults().withSchedule(Schedule.STANDARD).withPass(Pass.BWD).withDropout(dropout));
            long heads = 4;
            long nn = 300L * 200 * 2; // one N x N matrix, fp16
            long panelQ = 300L * 64 * 2;
            long panelK = 200L * 64 * 2;
            long keep = 300L * 200;
            // dP GEMM: dO once per row panel, V per output tile (3 row panels x 200 keys); dV GEMM: P (or the dropped P)
            // and dO per tile (2 key panels); dropout: dP and the keep mask; softmax backward: P and dP; dQ GEMM: dS, K per
            // row panel; dK GEMM: dS, Q per key panel; copies of dQ, dK, dV.
            long reads = heads * (panelQ + 3 * panelK + nn + 2 * panelQ + (dropout > 0 ? nn + keep : 0) + 2 * nn
                    + nn + 3 * panelK + nn + 2 * panelQ + panelQ + 2 * panelK);
            // dP (and dP through the keep mask), dS; dV, dQ, dK; their copies.
            long writes = heads * (nn + (dropout > 0 ? nn : 0) + nn + 2 * (panelK + panelQ + panelK));
            assertEquals(reads, r.l2ReadBytes(), "reads, dropout " + dropout);
            assertEquals(writes, r.l2WriteBytes(), "writes, dropout " + dropout);
        }
    }

    @Test
    void passesAddUpAndTheJsonSaysWhichOneRan() {
        KernelSpec k = kernel("batch 1, heads 4, kv_heads 2, q_len 1111, head_dim 64", "q 64, kv 64, stages 2", "mask causal;");
        BlockMap map = BlockMap.of(k);
        SimOptions o = SimOptions.defaults();
        SimResult fwd = Simulator.simulate(k, A100, map, o);
        SimResult bwd = Simulator.simulate(k, A100, map, o.withPass(Pass.BWD));
        SimResult both = Simulator.simulate(k, A100, map, o.withPass(Pass.FWD_BWD));
        assertEquals(fwd.l2ReadBytes() + bwd.l2ReadBytes(), both.l2ReadBytes());
        assertEquals(fwd.l2WriteBytes() + bwd.l2WriteBytes(), both.l2WriteBytes());
        assertEquals(fwd.launches().size() + bwd.launches().size(), both.launches().size());
        // Five GEMMs against two: the backward does 2.5 times the forward's useful FLOPs at d = dv.
        assertEquals(2.5 * fwd.usefulFlops(), bwd.usefulFlops(), 1e-9 * fwd.usefulFlops());
        String a = SimJson.toJson(both);
        assertEquals(a, SimJson.toJson(Simulator.simulate(k, A100, map, o.withPass(Pass.FWD_BWD))));
        assertTrue(a.contains("\"pass\" : \"fwd+bwd\""), a.substring(0, 200));
        assertTrue(SimJson.toJson(fwd).contains("\"pass\" : \"fwd\""));
    }

    /**
     * The backward's registers follow its tile: FlashAttention-2's large tiles take the 255 its
     * kernels are compiled for, and a kernel of 8 warps (16 in the backward) still fits an SM.
     */
    @Test
    void backwardRegistersFollowTheTile() {
        TargetSpec h100 = Fixtures.target("h100-sxm");
        KernelSpec large = kernel("batch 1, heads 2, q_len 2048, head_dim 128", "q 64, kv 128, stages 1, warps 4", "");
        KernelSpec eightWarps = kernel("batch 1, heads 2, q_len 2048, head_dim 128", "q 16, kv 16, stages 2, warps 8", "mask causal;");
        int largeRegisters = registersOfBackward(large, h100);
        assertTrue(largeRegisters >= 200 && largeRegisters <= 255, "d 128, kv 128: " + largeRegisters);
        SimResult r = Simulator.simulate(eightWarps, h100, BlockMap.of(eightWarps), SimOptions.defaults().withPass(Pass.BWD));
        assertTrue(r.seconds() > 0);
        assertTrue(registersOfBackward(eightWarps, h100) < 64, "16 x 16 tiles need few registers");
    }

    private static int registersOfBackward(KernelSpec k, TargetSpec target) {
        SimResult r = Simulator.simulate(k, target, BlockMap.of(k), SimOptions.defaults().withPass(Pass.BWD));
        return r.launches().stream().filter(l -> l.name().equals("flash_bwd")).findFirst().orElseThrow().occupancy().registersPerThread();
    }

    /**
     * The user's report: the backward's occupancy line printed the longest launch's CTAs per SM
     * (1, of 8 warps: at most 12.5% of an H100 SM's 64) beside an achieved figure averaged over
     * all four launches (32%, pulled up by the 32-warp-resident sum_dk_dv), which no launch
     * could reach. Every figure of the summary is now the named launch's own.
     */
    @Test
    void theOccupancySummaryDescribesOneLaunch() {
        TargetSpec h100 = Fixtures.target("h100-sxm");
        KernelSpec decode = Fixtures.kernel("kernel d { shape batch 2, heads 32, kv_heads 8, q_len 1, kv_len 4K, head_dim 128; "
                + "dtype bf16; tile q 64, kv 64, stages 2, warps 4; mask causal; }");
        SimResult r = Simulator.simulate(decode, h100, BlockMap.of(decode), SimOptions.defaults().withPass(Pass.BWD));
        LaunchStats longest = r.launches().stream().max(java.util.Comparator.comparingDouble(LaunchStats::cycles)).orElseThrow();
        assertEquals("flash_bwd", r.occupancyLaunch());
        assertEquals(longest.name(), r.occupancyLaunch());
        assertEquals(longest.occupancy(), r.occupancy());
        assertEquals(longest.achievedOccupancy(r.maxWarpsPerSm()), r.achievedOccupancy(), 1e-12);
        double allowed = (double) r.occupancy().ctasPerSm() * r.occupancy().threadsPerCta() / 32 / r.maxWarpsPerSm();
        assertTrue(r.achievedOccupancy() <= allowed + 1e-9, r.achievedOccupancy() + " achieved, " + allowed + " allowed");
        assertTrue(r.achievedOccupancyOfAllLaunches() > allowed, "the mean over launches is what the summary must not show");
        assertTrue(io.attnkit.sim.report.SimText.format(r).contains(
                String.format(java.util.Locale.ROOT, "achieved %.1f%% of warps, %.2f waves (launch flash_bwd, the longest)",
                        100 * r.achievedOccupancy(), r.waves())), io.attnkit.sim.report.SimText.format(r));
        JsonNode summary = SimJson.tree(SimJson.mapper(), r).path("summary");
        assertEquals("flash_bwd", summary.path("occupancy_launch").asText());
        assertEquals(100 * r.achievedOccupancy(), summary.path("achieved_occupancy_pct").asDouble(), 1e-9);
    }
}
