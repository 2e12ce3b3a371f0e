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
        // Bytes 900..1299: 1000..1299 hit; of line 7 (896..1023) only the sector 992..1023 was
        // filled, so 992..999 hit and 900..991 miss.
        assertEquals(308, c.read(900, 400));
        assertEquals(1000, c.readBytes());
        assertEquals(608, c.readHitBytes());
    }

    @Test
    void tilesThatEndInsideALineDoNotMakeTheRestOfItAHit() {
        for (int pitch : new int[] {160, 96, 34, 170, 4000}) {
            SetAssociativeLru c = new SetAssociativeLru(16 << 20, 16, 128);
            long hits = 0;
            for (int i = 0; i < 500; i++) {
                hits += c.read(4096 + (long) i * pitch, pitch);
            }
            // A tile shares at most the one sector where the previous one ended.
            long boundaryShares = pitch % SetAssociativeLru.SECTOR_BYTES == 0 ? 0 : 499L * SetAssociativeLru.SECTOR_BYTES;
            assertTrue(hits <= boundaryShares, pitch + "-byte tiles read cold hit " + hits + " bytes");
            for (int i = 0; i < 500; i++) { // all of it is in the cache now
                assertEquals(pitch, c.read(4096 + (long) i * pitch, pitch));
            }
        }
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
    void bytesWrittenBesideOthersInALineStillReachDram() {
        // 1 KiB lines of 32 B sectors: two 512 B log-sum-exp tiles in one line, then 96 B pieces,
        // each landing next to what an earlier write dirtied.
        SetAssociativeLru c = new SetAssociativeLru(16 * 1024, 4, 1024);
        assertEquals(0, c.write(0, 512));
        assertEquals(0, c.write(512, 512), "the other half of a dirty line is new dirt");
        assertEquals(1024, c.dramWriteBytes());
        assertEquals(0, c.write(4096 + 96, 96));
        assertEquals(0, c.write(4096 + 192, 96), "sectors 6 to 8: none dirty yet");
        assertEquals(96, c.write(4096 + 96, 96), "a sector rewritten is absorbed");
        assertEquals(1216, c.dramWriteBytes());
        for (long line = 8; line < 8 + 64; line++) {
            c.read(line * 1024, 1024); // evicts both written lines
        }
        assertEquals(1024 + 6 * 32, c.writebackBytes(), "dirty sectors are written back, not whole lines");
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
