package io.attnkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.gpu.FlashSchedule;
import io.attnkit.sim.gpu.LaunchStats;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * FlashAttention-3's forward (`--schedule flash3`): its own blocking whatever the file's tiles,
 * one CTA per SM, warp groups that overlap their phases, and the refusals where it does not apply.
 */
class Flash3SimulationTest {
    private static final TargetSpec H100 = Fixtures.target("h100-sxm");
    private static final SimOptions FLASH3 = SimOptions.defaults().withSchedule(Schedule.FLASH3);

    private static KernelSpec kernel(int batch, int heads, int len, int d, String mask) {
        return Fixtures.kernel("kernel k { shape batch " + batch + ", heads " + heads + ", q_len " + len + ", head_dim " + d
                + "; dtype bf16; tile q 64, kv 64, stages 2, warps 4;" + mask + " }");
    }

    private static SimResult simulate(KernelSpec k, TargetSpec t, SimOptions o) {
        return Simulator.simulate(k, t, BlockMap.of(k), o);
    }

    @ParameterizedTest
    @CsvSource({"64, '', 192, 128", "64, ' mask causal;', 192, 128", "128, '', 128, 176", "128, ' mask causal;', 128, 128",
            "256, '', 128, 80", "96, ' mask window(300);', 128, 128"})
    void blocksAtFlashAttention3sTilesWhateverTheFilesTiles(int d, String mask, int q, int kv) {
        KernelSpec k = kernel(2, 4, 1000, d, mask);
        SimResult r = simulate(k, H100, FLASH3);
        LaunchStats launch = r.launches().getFirst();
        assertEquals(FlashSchedule.WARP_SPECIALIZED_LAUNCH, launch.name());
        // One CTA per (batch, head, q-block) of FlashAttention-3's own height, the last one ragged.
        assertEquals(2L * 4 * ((1000 + q - 1) / q), launch.grid());
        BlockMap own = BlockMap.of(k.withTiles(FlashSchedule.warpSpecializedTiles(k, mask.isEmpty())));
        assertEquals(kv, own.kvTile());
        assertEquals(own.visitedTiles(), r.visitedTiles());
        // The groups share out the register file and the shared memory holds Q and two K/V stages: one CTA per SM.
        assertEquals(1, launch.occupancy().ctasPerSm());
    }

    @Test
    void runsFasterThanFlashAttention2AndNeverAbovePeak() {
        Random random = new Random(7);
        for (int i = 0; i < 6; i++) {
            int d = new int[] {64, 128, 256}[random.nextInt(3)];
            int len = 512 + random.nextInt(4000);
            String mask = random.nextBoolean() ? " mask causal;" : "";
            KernelSpec k = kernel(1 + random.nextInt(3), 2048 / d, len, d, mask);
            SimResult fa3 = simulate(k, H100, FLASH3);
            SimResult fa2 = simulate(k, H100, SimOptions.defaults());
            String what = "d " + d + ", N " + len + mask;
            assertTrue(fa3.seconds() < fa2.seconds(), what + ": " + fa3.seconds() + " s against FlashAttention-2's " + fa2.seconds());
            assertTrue(fa3.fractionOfPeak() < 0.85, what + ": " + fa3.fractionOfPeak() + " of the datasheet peak");
            // Same problem, same output: O and the log-sum-exp are written once whatever the tiles.
            assertEquals(fa2.l2WriteBytes(), fa3.l2WriteBytes(), what);
        }
    }

    @Test
    void itsWarpGroupsOverlapWithoutTheOverlapOption() {
        KernelSpec k = kernel(4, 32, 4096, 64, "");
        SimResult plain = simulate(k, H100, FLASH3);
        // Taking turns, the tensor pipe and the special-function unit would never be busy at once.
        assertTrue(plain.tensorActive() + plain.sfuActive() > 1.2,
                "tensor " + plain.tensorActive() + " and SFU " + plain.sfuActive() + " of the cycles: one hides the other");
        // One CTA per SM: its consumer groups are the only customers, with or without the option.
        SimResult overlapped = simulate(k, H100, FLASH3.withOverlapCtas(true));
        assertEquals(plain.seconds(), overlapped.seconds(), 1e-12 * plain.seconds());
        assertTrue(plain.seconds() > plain.usefulFlops() / plain.peakFlops(), "no faster than the tensor pipe allows");
    }

    @Test
    void refusesWhatFlashAttention3DoesNotRun() {
        KernelSpec k = kernel(1, 8, 1024, 128, " mask causal;");
        String onA100 = assertThrows(OptionsException.class, () -> simulate(k, Fixtures.target("a100-40gb"), FLASH3))
                .getMessage();
        assertTrue(onA100.contains("wgmma"), onA100);
        assertThrows(OptionsException.class, () -> simulate(k, H100, FLASH3.withPass(Pass.BWD)));
        assertThrows(OptionsException.class, () -> simulate(k, H100, FLASH3.withDropout(0.1)));
        assertThrows(OptionsException.class, () -> simulate(k, H100, FLASH3.withKvSplits(2)));
        String wide = assertThrows(OptionsException.class, () -> simulate(kernel(1, 8, 1024, 512, ""), H100, FLASH3))
                .getMessage();
        assertTrue(wide.contains("head_dim"), wide);
        assertThrows(OptionsException.class, () -> simulate(k, Fixtures.target("host-zen5-2c"), FLASH3));
    }
}
