package io.attnkit.sim.l2;

import java.util.Arrays;

/**
 * A write-back, write-allocate, set-associative LRU cache of lines, byte-exact: every access
 * names an address range, each line of it hits or misses, and the bytes of the range that fall
 * in each line are counted. Lines are spread over the sets by a hash of the line address, as
 * NVIDIA's L2 spreads them over its slices, so that tensor strides do not alias. A line holds
 * only the 32-byte sectors that were accessed, as NVIDIA's sectored L2 fills them: a tile that
 * ends inside a line does not make the rest of the line a hit for the next tile.
 */
public final class SetAssociativeLru {
    private static final long EMPTY = -1;
    /** The unit a miss fills: a sector of NVIDIA's L2 (CUDA C++ Best Practices Guide, "Coalesced Access"). */
    static final int SECTOR_BYTES = 32;

    private final int ways;
    private final int lineBytes;
    private final int lineShift;
    private final long sets;
    private final long[] tags;
    private final long[] stamps;
    private final long[] dirtySectors; // per slot, a bit per sector written since the line was filled
    private final long[] sectorsHeld; // per slot, a bit per sector present
    private final int sectorBytes;
    private long clock;

    private long readBytes;
    private long readHitBytes;
    private long writeBytes;
    private long newlyDirtyBytes;
    private long writebackBytes;

    /**
     * @param capacity  bytes; rounded down to whole sets of {@code ways} lines (at least one set)
     * @param lineBytes a power of two
     */
    public SetAssociativeLru(long capacity, int ways, int lineBytes) {
        if (ways < 1 || lineBytes < 1 || Integer.bitCount(lineBytes) != 1 || capacity < 0) {
            throw new IllegalArgumentException("bad cache geometry");
        }
        this.ways = ways;
        this.lineBytes = lineBytes;
        this.lineShift = Integer.numberOfTrailingZeros(lineBytes);
        this.sets = Math.max(1, capacity / ((long) ways * lineBytes));
        long slots = Math.multiplyExact(sets, ways);
        if (slots > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cache too large to simulate line by line");
        }
        this.tags = new long[(int) slots];
        this.stamps = new long[(int) slots];
        this.dirtySectors = new long[(int) slots];
        this.sectorsHeld = new long[(int) slots];
        this.sectorBytes = Math.max(Math.min(SECTOR_BYTES, lineBytes), lineBytes / Long.SIZE);
        Arrays.fill(tags, EMPTY);
    }

    public long sets() {
        return sets;
    }

    /** Reads {@code [address, address + bytes)}; returns the bytes that hit. */
    public long read(long address, long bytes) {
        long hit = 0;
        for (long line = address >>> lineShift, last = (address + bytes - 1) >>> lineShift; bytes > 0 && line <= last; line++) {
            long part = overlap(line, address, bytes);
            long touched = sectors(line, address, bytes);
            int slot = lookup(line);
            if (slot >= 0) {
                hit += part - missingBytes(line, address, bytes, touched & ~sectorsHeld[slot]);
                sectorsHeld[slot] |= touched;
                stamps[slot] = ++clock;
            } else {
                install(line, false, touched);
            }
        }
        readBytes += bytes;
        readHitBytes += hit;
        return hit;
    }

    /**
     * Writes {@code [address, address + bytes)}; returns the bytes that landed in sectors already
     * dirty (they cost no further DRAM write). Every other written byte will reach DRAM once,
     * when its line is evicted or flushed. Dirty is kept per sector, as NVIDIA's L2 writes back
     * sectors: kept per line, the log-sum-exp of the next q-block landing in a 1 KiB line the
     * last one had dirtied never reached DRAM.
     */
    public long write(long address, long bytes) {
        long absorbed = 0;
        for (long line = address >>> lineShift, last = (address + bytes - 1) >>> lineShift; bytes > 0 && line <= last; line++) {
            long part = overlap(line, address, bytes);
            long touched = sectors(line, address, bytes);
            int slot = lookup(line);
            if (slot >= 0) {
                sectorsHeld[slot] |= touched;
                stamps[slot] = ++clock;
                long fresh = missingBytes(line, address, bytes, touched & ~dirtySectors[slot]);
                dirtySectors[slot] |= touched;
                absorbed += part - fresh;
                newlyDirtyBytes += fresh;
            } else {
                install(line, true, touched);
                newlyDirtyBytes += part;
            }
        }
        writeBytes += bytes;
        return absorbed;
    }

    private long overlap(long line, long address, long bytes) {
        long lo = Math.max(line << lineShift, address);
        long hi = Math.min((line + 1) << lineShift, address + bytes);
        return hi - lo;
    }

    /** The sectors of {@code line} that {@code [address, address + bytes)} touches, a bit each. */
    private long sectors(long line, long address, long bytes) {
        long base = line << lineShift;
        int first = (int) ((Math.max(base, address) - base) / sectorBytes);
        int last = (int) ((Math.min(base + lineBytes, address + bytes) - 1 - base) / sectorBytes);
        return (last == Long.SIZE - 1 ? -1L : (1L << (last + 1)) - 1) & -(1L << first);
    }

    /** Bytes of {@code [address, address + bytes)} that fall in the sectors {@code missing} of {@code line}. */
    private long missingBytes(long line, long address, long bytes, long missing) {
        long base = line << lineShift;
        long total = 0;
        for (long m = missing; m != 0; m &= m - 1) {
            long lo = base + (long) Long.numberOfTrailingZeros(m) * sectorBytes;
            total += Math.max(0, Math.min(lo + sectorBytes, address + bytes) - Math.max(lo, address));
        }
        return total;
    }

    private int setOf(long line) {
        long h = line * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        return (int) Math.floorMod(h, sets);
    }

    private int lookup(long line) {
        int base = setOf(line) * ways;
        for (int w = 0; w < ways; w++) {
            if (tags[base + w] == line) {
                return base + w;
            }
        }
        return -1;
    }

    private void install(long line, boolean isDirty, long sectors) {
        int base = setOf(line) * ways;
        int victim = base;
        for (int w = 0; w < ways; w++) {
            int s = base + w;
            if (tags[s] == EMPTY) {
                victim = s;
                break;
            }
            if (stamps[s] < stamps[victim]) {
                victim = s;
            }
        }
        if (tags[victim] != EMPTY) {
            writebackBytes += (long) Long.bitCount(dirtySectors[victim]) * sectorBytes;
        }
        tags[victim] = line;
        stamps[victim] = ++clock;
        dirtySectors[victim] = isDirty ? sectors : 0;
        sectorsHeld[victim] = sectors;
    }

    public long readBytes() {
        return readBytes;
    }

    public long readHitBytes() {
        return readHitBytes;
    }

    public long writeBytes() {
        return writeBytes;
    }

    /** Written bytes that will each reach DRAM once (evicted so far, or still dirty). */
    public long dramWriteBytes() {
        return newlyDirtyBytes;
    }

    /** Dirty sectors written back on eviction so far, in bytes. */
    public long writebackBytes() {
        return writebackBytes;
    }
}
