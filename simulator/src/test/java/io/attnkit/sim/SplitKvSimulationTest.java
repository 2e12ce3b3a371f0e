package io.attnkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.gpu.FlashSchedule;
import io.attnkit.sim.gpu.KvSplits;
import io.attnkit.sim.gpu.LaunchStats;
import io.attnkit.sim.report.SimJson;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Split-KV (Flash-Decoding): every tile once, the partials through memory, and the GPU filled on decode. */
class SplitKvSimulationTest {
    private static final TargetSpec H100 = Fixtures.target("h100-sxm");

    /**
     * L2 bytes of the split launch, counted from the block map: a CTA per (row, range) that
     * visits a tile of its range loads the Q tile and its K/V tiles; every CTA writes an FP32
     * partial output and a log-sum-exp, whether or not its range has a visible key. The third
     * figure is how many of those CTAs have none.
     */
    static long[] expectedSplitBytes(KernelSpec k, BlockMap map, int splits) {
        Shape s = k.shape();
        int in = k.dtype().bytes();
        int q = k.tiles().q();
        int kv = k.tiles().kv();
        int per = (map.kvBlocks() + splits - 1) / splits;
        long read = 0;
        long write = 0;
        long empty = 0;
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.heads(); h++) {
                BlockMap.Pattern p = map.pattern(b, h);
                for (int qb = 0; qb < map.qBlocks(); qb++) {
                    long rows = Math.min(q, s.qLen() - (long) qb * q);
                    for (int split = 0; split < splits; split++) {
                        int lo = split * per;
                        int hi = Math.min(map.kvBlocks(), lo + per);
                        long[] keys = {0, 0};
                        p.forEachTile(qb, (kb, kind) -> {
                            if (kb >= lo && kb < hi) {
                                keys[0] += Math.min(kv, s.kvLen() - (long) kb * kv);
                                keys[1]++;
                            }
                        });
                        if (keys[1] > 0) {
                            read += rows * s.headDim() * in + keys[0] * (s.headDim() + s.vDim()) * in;
                        } else {
                            empty++;
                        }
                        write += rows * s.vDim() * 4 + rows * 4;
                    }
                }
            }
        }
        return new long[] {read, write, empty};
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "batch 2, heads 8, kv_heads 2, q_len 1, kv_len 5000, head_dim 128 # q 16, kv 64, stages 2 # mask causal; # 7",
        "batch 1, heads 4, q_len 37, kv_len 3001, head_dim 64 # q 16, kv 128, stages 2 # mask window(700) | sink(5); # 5",
        "batch 3, heads 2, q_len 200, kv_len 1000, head_dim 64, v_dim 32 # q 64, kv 64, stages 3 # mask document(300, 300, 400); # 16",
        "batch 1, heads 4, q_len 9, kv_len 4096, head_dim 64 # q 16, kv 64, stages 2 # heads 0..1 : causal; heads 2..3 : window(100); # 3"})
    void theSplitsVisitEveryTileOnceAndMergeThroughMemory(String config) {
        String[] c = config.split("#");
        KernelSpec k = FlashSimulationTest.kernel(c[0], c[1], c[2]);
        int splits = Integer.parseInt(c[3].trim());
        BlockMap map = BlockMap.of(k);
        SimResult r = Simulator.simulate(k, H100, map, SimOptions.defaults().withKvSplits(splits));
        assertEquals(splits, r.kvSplits());
        LaunchStats split = r.launches().get(0);
        LaunchStats combine = r.launches().get(1);
        assertEquals(FlashSchedule.SPLIT_LAUNCH, split.name());
        assertEquals(FlashSchedule.COMBINE_LAUNCH, combine.name());
        assertEquals(map.visitedTiles(), split.tiles(), "every visible tile once, in exactly one range");
        long[] expected = expectedSplitBytes(k, map, splits);
        assertEquals(expected[0], split.l2ReadBytes(), "Q and K/V bytes of the ranges");
        assertEquals(expected[1], split.l2WriteBytes(), "FP32 partial outputs and log-sum-exps");
        assertEquals(expected[2], split.emptyCtas(), "ranges with no visible key");
        assertEquals(0, combine.emptyCtas(), "the combine runs no tile program");
        // The merge reads every partial back and writes O (storage type) and the log-sum-exp once per row.
        Shape s = k.shape();
        long rows = (long) s.batch() * s.heads() * s.qLen();
        assertEquals(expected[1], combine.l2ReadBytes());
        assertEquals(rows * (s.vDim() * k.dtype().outputType().bytes() + 4), combine.l2WriteBytes());
    }

    /**
     * The splits of a row run side by side and read its Q tile one after the other: in a 50 MiB
     * L2, Q, K and V come from HBM once (the exact cache), and the reuse model finds the hits
     * of Q as it finds those of K and V, within the 25% it is held to.
     */
    @Test
    void theSplitsOfARowShareItsQTileInTheL2() {
        KernelSpec k = FlashSimulationTest.kernel("batch 4, heads 2, q_len 1024, kv_len 256, head_dim 128", "q 64, kv 64, stages 2", "");
        BlockMap map = BlockMap.of(k);
        Shape s = k.shape();
        double once = (double) s.batch() * s.heads() * (s.qLen() + 2L * s.kvLen()) * s.headDim() * 2;
        SimOptions split = SimOptions.defaults().withKvSplits(4);
        SimResult exact = Simulator.simulate(k, H100, map, split.withL2(L2Mode.EXACT));
        assertEquals(once, exact.launches().getFirst().dramReadBytes(), 0.01 * once, "Q, K and V once");
        SimResult model = Simulator.simulate(k, H100, map, split);
        assertEquals(once, model.launches().getFirst().dramReadBytes(), 0.25 * once, "the reuse model");
    }

    @Test
    void oneSplitIsTheUnsplitKernel() {
        KernelSpec k = FlashSimulationTest.kernel("batch 2, heads 4, kv_heads 2, q_len 1111, head_dim 64", "q 64, kv 64, stages 2",
                "mask causal;");
        BlockMap map = BlockMap.of(k);
        String plain = SimJson.toJson(Simulator.simulate(k, H100, map, SimOptions.defaults()));
        String one = SimJson.toJson(Simulator.simulate(k, H100, map, SimOptions.defaults().withKvSplits(1)));
        assertEquals(plain, one);
        assertTrue(!plain.contains("kv_splits"));
    }

    @Test
    void decodeOfOneSequenceFillsTheGpuOnlyWhenSplit() {
        // Llama-3.1-8B decode at batch 1: 32 query heads, 8 KV heads, 128K keys: 32 CTAs for 132 SMs.
        KernelSpec k = FlashSimulationTest.kernel("batch 1, heads 32, kv_heads 8, q_len 1, kv_len 131072, head_dim 128",
                "q 16, kv 128, stages 2", "mask causal;");
        BlockMap map = BlockMap.of(k);
        SimResult plain = Simulator.simulate(k, H100, map, SimOptions.defaults());
        SimResult auto = Simulator.simulate(k, H100, map, SimOptions.defaults().withKvSplits(SimOptions.AUTO_KV_SPLITS));
        assertTrue(auto.kvSplits() > 1, "auto splits " + auto.kvSplits());
        assertTrue(auto.launches().getFirst().grid() <= 132L * plain.occupancy().ctasPerSm(), "one wave at most");
        assertTrue(plain.seconds() > 3 * auto.seconds(), plain.seconds() + " s unsplit vs " + auto.seconds() + " s split");
        // K and V (8 heads x 128K x 128 x 2 tensors, bf16) still come from HBM once: the siblings of a KV head share them.
        double kv = 8.0 * 131072 * 128 * 2 * 2;
        assertEquals(kv, auto.dramReadBytes(), 0.05 * kv);
    }

    @Test
    void prefillThatFillsTheGpuIsNotSplit() {
        KernelSpec k = FlashSimulationTest.kernel("batch 4, heads 32, q_len 4096, head_dim 128", "q 128, kv 64, stages 2",
                "mask causal;");
        SimResult auto = Simulator.simulate(k, H100, BlockMap.of(k), SimOptions.defaults().withKvSplits(SimOptions.AUTO_KV_SPLITS));
        assertEquals(1, auto.kvSplits());
        assertEquals(1, auto.launches().size());
    }

    @Test
    void heuristicTakesTheFewestSplitsNearTheBestWaveEfficiency() {
        assertEquals(1, KvSplits.choose(200, 132, 1000), "rows already fill the GPU");
        // 32 rows on 132 slots: 4 splits make 128 CTAs, 97% of one wave, the first to reach 85% of the best.
        assertEquals(4, KvSplits.choose(32, 132, 1024));
        // Never more splits than K/V blocks.
        assertEquals(2, KvSplits.choose(1, 132, 2));
        Random random = new Random(11);
        for (int i = 0; i < 500; i++) {
            long slots = 1 + random.nextInt(300);
            long ctas = 1 + random.nextInt((int) slots);
            int blocks = 1 + random.nextInt(2000);
            int s = KvSplits.choose(ctas, slots, blocks);
            assertTrue(s >= 1 && s <= Math.min(KvSplits.MAX_SPLITS, Math.min(slots, blocks)), "splits " + s);
            if (ctas >= 0.8 * slots) {
                assertEquals(1, s);
            }
        }
    }

    @Test
    void splitsAreRefusedWhereTheyDoNotApply() {
        KernelSpec k = FlashSimulationTest.kernel("batch 1, heads 2, q_len 256, head_dim 64", "q 64, kv 64, stages 2", "");
        BlockMap map = BlockMap.of(k);
        assertThrows(IllegalArgumentException.class, () -> Simulator.simulate(k, H100, map,
                SimOptions.defaults().withKvSplits(2).withSchedule(Schedule.STANDARD)));
        assertThrows(IllegalArgumentException.class, () -> Simulator.simulate(k, H100, map,
                SimOptions.defaults().withKvSplits(2).withPass(Pass.BWD)), "the backward has no split-KV launch");
        assertThrows(IllegalArgumentException.class, () -> Simulator.simulate(k, Fixtures.target("host-epyc-2c"), map,
                SimOptions.defaults().withKvSplits(2)), "the CPU model runs the Java backend's kernel");
        assertThrows(IllegalArgumentException.class, () -> Simulator.simulate(k, H100, map, SimOptions.defaults().withKvSplits(5)),
                "more splits than the 4 K/V blocks of a row");
        var e = assertThrows(IllegalArgumentException.class, () -> Simulator.simulate(k, H100, map,
                SimOptions.defaults().withKvSplits(2).withDropout(0.1)), "FlashAttention-2 has no split-KV kernel with dropout");
        assertTrue(e.getMessage().contains("dropout"), e.getMessage());
    }

    @Test
    void autoKeepsTheLaunchWholeWithDropoutAsFlashAttention2Does() {
        KernelSpec k = FlashSimulationTest.kernel("batch 1, heads 32, kv_heads 8, q_len 1, kv_len 131072, head_dim 128",
                "q 16, kv 128, stages 2", "mask causal;");
        BlockMap map = BlockMap.of(k);
        assertTrue(Simulator.simulate(k, H100, map, SimOptions.defaults().withKvSplits(SimOptions.AUTO_KV_SPLITS)).kvSplits() > 1);
        SimResult dropped = Simulator.simulate(k, H100, map,
                SimOptions.defaults().withKvSplits(SimOptions.AUTO_KV_SPLITS).withDropout(0.1));
        assertEquals(1, dropped.kvSplits());
        assertEquals(1, dropped.launches().size());
    }
}
