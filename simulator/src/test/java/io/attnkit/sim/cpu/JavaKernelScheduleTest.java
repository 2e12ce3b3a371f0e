package io.attnkit.sim.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.Fixtures;
import io.attnkit.sim.Schedule;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.SimResult;
import io.attnkit.sim.Simulator;
import io.attnkit.sim.gpu.Machine;
import io.attnkit.sim.gpu.StepCost;
import java.util.List;
import org.junit.jupiter.api.Test;

class JavaKernelScheduleTest {
    private static final TargetSpec HOST = Fixtures.target("host-epyc-2c");

    private static SimResult simulate(String shape, String mask) {
        KernelSpec k = Fixtures.kernel("kernel k { shape " + shape + "; dtype f32; tile q 64, kv 64; " + mask + " }");
        return Simulator.simulate(k, HOST, BlockMap.of(k), SimOptions.defaults());
    }

    @Test
    void denseAttentionRunsNearTheFmaPeakButBelowIt() {
        SimResult r = simulate("batch 1, heads 8, q_len 2048, head_dim 64", "");
        // The micro-kernels keep the FMA pipes busy; the softmax and the loads of Q and O do not.
        assertTrue(r.fractionOfPeak() > 0.4 && r.fractionOfPeak() < 0.95, "fraction of peak " + r.fractionOfPeak());
        assertEquals(2, r.sms(), "one worker per core");
    }

    /** With two hardware threads per core (xeon-8480), both busy is 100% occupancy, not 200%. */
    @Test
    void achievedOccupancyCountsHardwareThreads() {
        TargetSpec xeon = Fixtures.target("xeon-8480");
        assertTrue(xeon.maxThreadsPerUnit() > 1, "an SMT target");
        KernelSpec k = Fixtures.kernel("kernel k { shape heads 8, q_len 4096, head_dim 64; dtype f32; tile q 64, kv 64; mask causal; }");
        SimResult r = Simulator.simulate(k, xeon, BlockMap.of(k), SimOptions.defaults());
        assertTrue(r.achievedOccupancy() > 0.5 && r.achievedOccupancy() <= 1.0, "achieved " + r.achievedOccupancy());
        String json = io.attnkit.sim.report.SimJson.toJson(r);
        for (var m : java.util.regex.Pattern.compile("\"sm__warps_active[^\"]*\" : ([0-9.]+)").matcher(json).results().toList()) {
            assertTrue(Double.parseDouble(m.group(1)) <= 100.0 + 1e-9, m.group());
        }
    }

    @Test
    void aWindowCostsItsTilesAndTheDecodePassDoesNotDependOnTheMask() {
        SimResult dense = simulate("batch 1, heads 4, q_len 8192, head_dim 64", "mask causal;");
        SimResult window = simulate("batch 1, heads 4, q_len 8192, head_dim 64", "mask window(1024);");
        double tiles = (double) window.visitedTiles() / dense.visitedTiles();
        double time = window.seconds() / dense.seconds();
        assertTrue(time > tiles && time < 1.5 * tiles, "time ratio " + time + ", tile ratio " + tiles);
        assertEquals(dense.launches().getFirst().cycles(), window.launches().getFirst().cycles(), 1e-9);
    }

    @Test
    void aTileIsItsPhasesInSequenceWithTheLoadsHiddenUnderTheArithmetic() {
        Machine zen5 = Machine.of(Fixtures.target("host-zen5-2c"));
        KernelSpec k = Fixtures.kernel("kernel k { shape heads 8, q_len 4096, head_dim 64; dtype f32; tile q 64, kv 64; }");
        // 64 queries (4 vectors of 16) by 66 keys (64 rounded up to the micro-kernel's 6 rows).
        double scores = 64 * 66;
        double lanes = 32; // two 512-bit FMA pipes
        double qk = scores * 64 / lanes;
        double softmax = JavaKernelSchedule.SOFTMAX_ALU * scores / lanes; // its ALU instructions outnumber its FMAs
        double pv = (scores * 64 + 64 * 64) / lanes;
        StepCost full = JavaKernelSchedule.tile(k, zen5, 64, 66, false);
        assertEquals(qk + softmax + pv, full.serialCycles(), 1e-6 * full.serialCycles());
        StepCost partial = JavaKernelSchedule.tile(k, zen5, 64, 66, true);
        assertEquals(JavaKernelSchedule.MASK_ALU * scores / lanes, partial.serialCycles() - full.serialCycles(), 1e-6 * full.serialCycles());
    }

    @Test
    void aPartialTileOfAMaskDecidedOnTheInputCostsAStorePerHiddenKey() {
        Machine zen4 = Machine.of(Fixtures.target("host-zen4-2c"));
        KernelSpec k = Fixtures.kernel("kernel k { shape heads 8, q_len 4096, head_dim 64; dtype f32; tile q 64, kv 64; }");
        StepCost unmasked = JavaKernelSchedule.tile(k, zen4, 64, 66, false);
        double perHidden = JavaKernelSchedule.rowMaskedTile(k, zen4, 64, 66, 64, 1001).serialCycles()
                - JavaKernelSchedule.rowMaskedTile(k, zen4, 64, 66, 64, 1000).serialCycles();
        double perRow = JavaKernelSchedule.rowMaskedTile(k, zen4, 64, 66, 65, 1000).serialCycles()
                - JavaKernelSchedule.rowMaskedTile(k, zen4, 64, 66, 64, 1000).serialCycles();
        assertEquals(JavaKernelSchedule.ROW_MASK_PER_HIDDEN / JavaKernelSchedule.ROW_MASK_PER_ROW, perHidden / perRow, 1e-9);
        double none = JavaKernelSchedule.rowMaskedTile(k, zen4, 64, 66, 64, 0).serialCycles();
        assertEquals(unmasked.serialCycles() + 64 * perRow, none, 1e-6 * none);
        // a scalar store each: hiding half the tile costs more than the vector mask of a static pattern
        assertTrue(JavaKernelSchedule.rowMaskedTile(k, zen4, 64, 66, 64, 2048).serialCycles()
                > JavaKernelSchedule.tile(k, zen4, 64, 66, true).serialCycles());
    }

    @Test
    void hiddenKeysPerPartialTileComeFromTheVisibleCount() {
        // causal, 640 rows and keys in 64 x 64 tiles: the 10 diagonal tiles are PARTIAL and each hides 64·63/2 keys
        KernelSpec causal = Fixtures.kernel("kernel k { shape heads 2, q_len 640, head_dim 64; tile q 64, kv 64; mask causal; }");
        BlockMap map = BlockMap.of(causal);
        assertEquals(64 * 63 / 2.0, JavaKernelSchedule.hiddenPerPartialTile(map.pattern(0, 0), causal.shape(), causal.tiles()), 1e-9);
        // ragged: 100 rows and keys, tiles of 64: PARTIAL tiles (0,0) hiding 2016 and (1,1) hiding 36·35/2 = 630
        KernelSpec ragged = Fixtures.kernel("kernel k { shape heads 1, q_len 100, head_dim 64; tile q 64, kv 64; mask causal; }");
        BlockMap raggedMap = BlockMap.of(ragged);
        assertEquals((2016 + 630) / 2.0, JavaKernelSchedule.hiddenPerPartialTile(raggedMap.pattern(0, 0), ragged.shape(), ragged.tiles()), 1e-9);
    }

    @Test
    void phasesAddUpEachAtItsBusiestResource() {
        StepCost loadBound = new StepCost(0, 500, 200, 0, 10, true, 4000, 0, 200, 0);
        StepCost fmaBound = new StepCost(0, 100, 900, 0, 0, true, 800, 0, 900, 0);
        StepCost both = JavaKernelSchedule.inSequence(List.of(loadBound, fmaBound));
        assertEquals(500 + 10 + 900, both.serialCycles(), 1e-9);
        assertEquals(4800, both.smemBytes(), 1e-9);
        assertEquals(1100, both.fmaCycles(), 1e-9);
    }

    @Test
    void itemsRunHeadByHeadCostliestFirst() {
        KernelSpec k = Fixtures.kernel("kernel k { shape batch 1, heads 2, q_len 640, head_dim 64; tile q 64, kv 64; mask causal; }");
        int[] order = JavaKernelSchedule.workOrder(BlockMap.of(k));
        // q-block 9 of each head visits 10 tiles, q-block 0 one: all of head 0, its last q-block first, then head 1.
        assertArrayEquals(new int[] {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10}, order);
    }

    @Test
    void theHeadsOfOneKvHeadRunTogetherTheCostliestGroupFirst() {
        KernelSpec k = Fixtures.kernel("""
                kernel k {
                    shape batch 1, heads 4, kv_heads 2, q_len 192, head_dim 64;
                    tile q 64, kv 64;
                    mask causal;
                    heads 0..1: window(64);
                    heads 2..3: dense;
                }
                """);
        int[] order = JavaKernelSchedule.workOrder(BlockMap.of(k));
        // heads 2 and 3 share K/V head 1 and visit 1, 2, 3 tiles per q-block (12 in all), so they run first,
        // interleaved costliest first; heads 0 and 1 (K/V head 0) visit 1, 2, 2 tiles under the window.
        assertArrayEquals(new int[] {8, 11, 7, 10, 6, 9, 1, 2, 4, 5, 0, 3}, order);
    }

    @Test
    void aCpuRunsOnlyTheFusedKernel() {
        KernelSpec k = Fixtures.kernel("kernel k { shape heads 2, q_len 256, head_dim 64; }");
        var e = assertThrows(IllegalArgumentException.class, () -> Simulator.simulate(k, HOST, BlockMap.of(k),
                SimOptions.defaults().withSchedule(Schedule.STANDARD)));
        assertTrue(e.getMessage().contains("Java backend"), e.getMessage());
    }
}
