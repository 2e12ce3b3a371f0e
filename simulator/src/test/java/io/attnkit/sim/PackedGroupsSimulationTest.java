package io.attnkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.gpu.LaunchStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Grouped query heads packed into one CTA's rows: each K/V tile read once per KV head. */
class PackedGroupsSimulationTest {
    private static final TargetSpec H100 = Fixtures.target("h100-sxm");

    /** Q, and every K/V block some query head of a group visits, once per KV head: what a packed launch must read. */
    static double touchedBytes(KernelSpec k, BlockMap packed) {
        Shape s = k.shape();
        int in = k.dtype().bytes();
        int kv = k.tiles().kv();
        double bytes = (double) s.batch() * s.heads() * s.qLen() * s.headDim() * in;
        for (int b = 0; b < s.batch(); b++) {
            for (int g = 0; g < s.kvHeads(); g++) {
                BlockMap.Pattern p = packed.pattern(b, g);
                java.util.BitSet blocks = new java.util.BitSet();
                for (int pb = 0; pb < packed.qBlocks(); pb++) {
                    p.forEachTile(pb, (kb, kind) -> blocks.set(kb));
                }
                for (int kb = blocks.nextSetBit(0); kb >= 0; kb = blocks.nextSetBit(kb + 1)) {
                    bytes += (double) Math.min(kv, s.kvLen() - (long) kb * kv) * (s.headDim() + s.vDim()) * in;
                }
            }
        }
        return bytes;
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "batch 96, heads 32, kv_heads 8, q_len 1, kv_len 8000, head_dim 128 # q 64, kv 64, stages 2 # mask causal;",
        "batch 40, heads 12, kv_heads 2, q_len 3, kv_len 5001, head_dim 64 # q 32, kv 128, stages 2 # mask causal;",
        "batch 64, heads 16, kv_heads 4, q_len 1, kv_len 6000, head_dim 64 # q 16, kv 64, stages 2 # mask sink(4) | window(2000);"})
    void aPackedDecodeReadsTheCacheOnceAndNoLessThanItTouches(String config) {
        String[] c = config.split("#");
        KernelSpec k = FlashSimulationTest.kernel(c[0], c[1], c[2]);
        BlockMap map = BlockMap.of(k);
        SimResult plain = Simulator.simulate(k, H100, map, SimOptions.defaults());
        SimResult packed = Simulator.simulate(k, H100, map, SimOptions.defaults().withPackGqa(true));
        BlockMap packedMap = map.packGroups();
        // The packed rows fit one q-block: a tile per KV head where there was one per query head.
        assertEquals(map.visitedTiles(), packed.visitedTiles() * k.shape().groupSize());
        assertEquals(plain.usefulFlops(), packed.usefulFlops(), 1e-9 * plain.usefulFlops(), "the same attention");
        // Every byte it must read comes from DRAM at least once, and, read once per group, hardly more.
        double touched = touchedBytes(k, packedMap);
        double reads = packed.dramReadBytes();
        assertTrue(reads >= 0.999 * touched && reads <= 1.03 * touched, "reads " + reads + ", touched " + touched);
        assertTrue(plain.dramReadBytes() >= 0.999 * reads, "unpacked " + plain.dramReadBytes() + ", packed " + reads);
        assertTrue(packed.seconds() < plain.seconds());
        // The time is at least the DRAM bytes at the datasheet bandwidth.
        assertTrue(packed.seconds() >= reads / H100.dram().bytesPerSecond(), packed.seconds() + " s for " + reads + " B");
    }

    @Test
    void aLargeBatchDecodeReadsTheCacheOncePerKvHeadInsteadOfOncePerQueryHead() {
        // 3072 CTAs, one per SM: a KV head's four query heads start on different SMs at different
        // times, too far apart for the L2 to keep the tiles the first one read.
        KernelSpec k = FlashSimulationTest.kernel("batch 96, heads 32, kv_heads 8, q_len 1, kv_len 8000, head_dim 128",
                "q 64, kv 64, stages 2", "mask causal;");
        BlockMap map = BlockMap.of(k);
        SimResult plain = Simulator.simulate(k, H100, map, SimOptions.defaults());
        SimResult packed = Simulator.simulate(k, H100, map, SimOptions.defaults().withPackGqa(true));
        double ratio = plain.dramReadBytes() / packed.dramReadBytes();
        assertTrue(ratio > 3, "unpacked reads " + ratio + " times the packed bytes");
        assertTrue(plain.seconds() > 3 * packed.seconds(), plain.seconds() + " s unpacked, " + packed.seconds() + " s packed");
    }

    @Test
    void theReuseModelAgreesWithTheExactCacheOnAPackedLaunch() {
        KernelSpec k = FlashSimulationTest.kernel("batch 6, heads 8, kv_heads 2, q_len 2, kv_len 3000, head_dim 64",
                "q 16, kv 64, stages 2", "mask causal;");
        BlockMap map = BlockMap.of(k);
        SimOptions o = SimOptions.defaults().withPackGqa(true);
        SimResult exact = Simulator.simulate(k, H100, map, o.withL2(L2Mode.EXACT));
        SimResult model = Simulator.simulate(k, H100, map, o);
        assertEquals(exact.l2ReadBytes(), model.l2ReadBytes());
        assertEquals(exact.dramReadBytes(), model.dramReadBytes(), 0.03 * exact.dramReadBytes());
    }

    @Test
    void aPackedTrainingStepPacksItsForwardAndKeepsTheBackwardPerHead() {
        // As FlashAttention-3 does: PackGQA is a forward option; the backward's CTAs are per query
        // head and block of keys whatever the forward did.
        KernelSpec k = FlashSimulationTest.kernel("batch 3, heads 12, kv_heads 3, q_len 333, head_dim 64",
                "q 64, kv 64, stages 2", "mask causal;");
        BlockMap map = BlockMap.of(k);
        SimOptions pack = SimOptions.defaults().withPackGqa(true);
        SimResult step = Simulator.simulate(k, H100, map, pack.withPass(Pass.FWD_BWD));
        SimResult forward = Simulator.simulate(k, H100, map, pack);
        SimResult plainStep = Simulator.simulate(k, H100, map, SimOptions.defaults().withPass(Pass.FWD_BWD));
        SimResult backward = Simulator.simulate(k, H100, map, SimOptions.defaults().withPass(Pass.BWD));
        int forwardLaunches = forward.launches().size();
        assertEquals(forwardLaunches + backward.launches().size(), step.launches().size());
        // The forward runs first, on a cold L2: the packed forward to the cycle.
        for (int i = 0; i < forwardLaunches; i++) {
            assertEquals(forward.launches().get(i), step.launches().get(i));
        }
        // 3 x 3 KV heads x 21 blocks of 4 x 333 packed rows, where the unpacked grid has 3 x 12 x 6.
        assertEquals(3 * 3 * 21, step.launches().getFirst().grid());
        assertEquals(3 * 12 * 6, plainStep.launches().getFirst().grid());
        for (int i = 0; i < backward.launches().size(); i++) {
            LaunchStats b = backward.launches().get(i);
            LaunchStats s = step.launches().get(forwardLaunches + i);
            assertEquals(b.name(), s.name());
            assertEquals(b.grid(), s.grid());
            assertEquals(b.tiles(), s.tiles());
            assertEquals(b.cycles(), s.cycles(), 0.05 * b.cycles(), b.name() + " after the packed forward");
        }
        assertEquals(plainStep.usefulFlops(), step.usefulFlops(), 1e-9 * step.usefulFlops());
        // Everything fits the L2, so DRAM reads are the same; the packed forward asks the L2 for each
        // K/V tile once per KV head instead of once per query head.
        assertTrue(step.l2ReadBytes() < plainStep.l2ReadBytes(),
                "packed " + step.l2ReadBytes() + " B, unpacked " + plainStep.l2ReadBytes() + " B from the L2");
    }

    @Test
    void packingIsRefusedWhereItMeansNothing() {
        KernelSpec grouped = FlashSimulationTest.kernel("batch 1, heads 8, kv_heads 2, q_len 1, kv_len 300, head_dim 64",
                "q 16, kv 64, stages 2", "mask causal;");
        KernelSpec ungrouped = FlashSimulationTest.kernel("batch 1, heads 8, q_len 1, kv_len 300, head_dim 64",
                "q 16, kv 64, stages 2", "mask causal;");
        SimOptions pack = SimOptions.defaults().withPackGqa(true);
        OptionsException e = assertThrows(OptionsException.class,
                () -> Simulator.simulate(ungrouped, H100, BlockMap.of(ungrouped), pack));
        assertEquals("packing grouped heads needs more query heads than KV heads (heads 8, kv_heads 8)", e.getMessage());
        for (SimOptions o : new SimOptions[] {pack.withPass(Pass.BWD), pack.withSchedule(Schedule.STANDARD),
                pack.withSchedule(Schedule.FLASH1)}) {
            e = assertThrows(OptionsException.class, () -> Simulator.simulate(grouped, H100, BlockMap.of(grouped), o));
            assertEquals("packing grouped heads applies to the forward of the flash schedule on a GPU target", e.getMessage());
        }
        e = assertThrows(OptionsException.class, () -> Simulator.simulate(grouped, H100, BlockMap.of(grouped), pack.withDropout(0.1)));
        assertTrue(e.getMessage().startsWith("packing grouped heads does not combine with dropout"), e.getMessage());
    }
}
