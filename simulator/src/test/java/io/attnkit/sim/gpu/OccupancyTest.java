package io.attnkit.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.sim.Fixtures;
import org.junit.jupiter.api.Test;

class OccupancyTest {
    private final Machine h100 = Machine.of(Fixtures.target("h100-sxm"));

    @Test
    void sharedMemoryLimitsCtasWithTheRuntimeReserve() {
        // 228 KiB per SM; 113 KiB + 1 KiB reserve fits twice, 114 KiB + 1 KiB once.
        assertEquals(2, Occupancy.of(h100, 113 * 1024, 128, 64).ctasPerSm());
        Occupancy one = Occupancy.of(h100, 114 * 1024, 128, 64);
        assertEquals(1, one.ctasPerSm());
        assertEquals(Occupancy.Limiter.SHARED_MEMORY, one.limiter());
    }

    @Test
    void registersAreAllocatedPerWarpInUnitsOf256() {
        // 255 registers round up to 8192 per warp; 8 warps need 65536: one CTA.
        Occupancy o = Occupancy.of(h100, 0, 256, 255);
        assertEquals(1, o.ctasPerSm());
        assertEquals(Occupancy.Limiter.REGISTERS, o.limiter());
        // 32 registers: 1024 per warp, 4 warps: 16 CTAs by registers, 16 by threads (2048 / 128).
        Occupancy small = Occupancy.of(h100, 0, 128, 32);
        assertEquals(16, small.ctasPerSm());
        assertEquals(16, small.byRegisters());
        assertEquals(16, small.byThreads());
    }

    @Test
    void blockSlotsCap() {
        Occupancy o = Occupancy.of(h100, 0, 32, 16);
        assertEquals(32, o.ctasPerSm());
        assertEquals(Occupancy.Limiter.BLOCKS, o.limiter());
        assertTrue(o.theoretical(h100) <= 1.0);
    }

    @Test
    void aCtaLargerThanThePerBlockLimitIsRejectedWithTheFigures() {
        var e = assertThrows(IllegalArgumentException.class, () -> Occupancy.of(h100, 228 * 1024, 128, 64));
        assertTrue(e.getMessage().contains("233472 B"), e.getMessage());
        assertTrue(e.getMessage().contains("232448 B per block"), e.getMessage());
    }
}
