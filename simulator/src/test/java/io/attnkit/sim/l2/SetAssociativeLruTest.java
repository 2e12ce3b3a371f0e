package io.attnkit.sim.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SetAssociativeLruTest {
    @Test
    void aSecondReadHitsAndCountsBytesNotLines() {
        SetAssociativeLru c = new SetAssociativeLru(64 * 1024, 16, 128);
        assertEquals(0, c.read(1000, 300));
        assertEquals(300, c.read(1000, 300));
        // Bytes 900..1299 touch the lines of 1000..1299 (hit) and 896..1023 (line 7: hit, it was fetched whole).
        assertEquals(400, c.read(900, 400));
        assertEquals(1000, c.readBytes());
        assertEquals(700, c.readHitBytes());
    }

    @Test
    void leastRecentlyUsedLineIsEvicted() {
        // One set of 4 ways: the fifth distinct line evicts the oldest.
        SetAssociativeLru c = new SetAssociativeLru(4 * 128, 4, 128);
        assertEquals(1, c.sets());
        for (int line = 0; line < 4; line++) {
            c.read(line * 128L, 128);
        }
        c.read(0, 128); // line 0 becomes the most recent
        c.read(4 * 128L, 128); // evicts line 1
        assertEquals(128, c.read(0, 128));
        assertEquals(0, c.read(128, 128));
    }

    @Test
    void everyWrittenLineReachesDramOnceWhileItStaysDirty() {
        SetAssociativeLru c = new SetAssociativeLru(4 * 128, 4, 128);
        assertEquals(0, c.write(0, 256));
        assertEquals(256, c.write(0, 256), "rewriting dirty lines costs nothing more");
        assertEquals(256, c.dramWriteBytes());
        for (int line = 2; line < 7; line++) {
            c.read(line * 128L, 128); // pushes lines 0 and 1 out: written back
        }
        assertEquals(256, c.writebackBytes());
        assertEquals(0, c.write(0, 128), "a line written again after eviction is new dirt");
        assertEquals(384, c.dramWriteBytes());
    }

    @Test
    void capacityIsHeldAcrossManySets() {
        SetAssociativeLru c = new SetAssociativeLru(1 << 20, 16, 128);
        c.read(0, 256 * 1024); // a quarter of the capacity: 4 lines per set on average, never 17
        assertEquals(256 * 1024, c.read(0, 256 * 1024), "a quarter of the capacity survives");
        c.read(0, 512 * 1024); // half: a few sets overflow their 16 ways, as a hashed cache does
        long half = c.read(0, 512 * 1024);
        assertTrue(half > 0.95 * 512 * 1024 && half < 512 * 1024, "half the capacity mostly survives: " + half);
        c.read(1L << 30, 4L << 20); // four times the capacity streams through
        assertEquals(0, c.read(0, 512 * 1024), "an LRU streamed over forgets everything");
    }
}
