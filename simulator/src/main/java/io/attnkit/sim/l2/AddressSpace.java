package io.attnkit.sim.l2;

import java.util.Arrays;

/**
 * The tensors of a simulated launch laid out in one device address space: each object (a
 * tensor, or the part of it one (batch, head) owns) is a run of equal-pitch items (tiles),
 * aligned to 4 KiB as an allocator would. Object ids are dense, starting at 0. A decode batch
 * has millions of objects, so each costs two longs here and nothing else.
 */
public final class AddressSpace {
    private static final long ALIGN = 4096;

    private long[] base = new long[16];
    private long[] pitch = new long[16];
    private int objects;
    private long next = ALIGN;

    /** Allocates an object of {@code items} items of {@code pitch} bytes and returns its id; {@code name} is for errors. */
    public int allocate(String name, long pitch, long items) {
        if (pitch < 0 || items < 0) {
            throw new IllegalArgumentException("bad object " + name);
        }
        if (objects == base.length) {
            base = Arrays.copyOf(base, 2 * objects);
            this.pitch = Arrays.copyOf(this.pitch, 2 * objects);
        }
        int id = objects++;
        base[id] = next;
        this.pitch[id] = pitch;
        long size = Math.multiplyExact(pitch, items);
        next = Math.addExact(next, (size + ALIGN - 1) / ALIGN * ALIGN + ALIGN);
        return id;
    }

    public int objects() {
        return objects;
    }

    /** Address of the first byte of item {@code item} of {@code object}. */
    public long address(int object, long item) {
        return base[object] + item * pitch[object];
    }

    public long pitch(int object) {
        return pitch[object];
    }
}
