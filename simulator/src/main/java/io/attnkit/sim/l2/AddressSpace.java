package io.attnkit.sim.l2;

import java.util.ArrayList;
import java.util.List;

/**
 * The tensors of a simulated launch laid out in one device address space: each object (a
 * tensor, or the part of it one (batch, head) owns) is a run of equal-pitch items (tiles),
 * aligned to 4 KiB as an allocator would. Object ids are dense, starting at 0.
 */
public final class AddressSpace {
    private static final long ALIGN = 4096;

    private final List<String> names = new ArrayList<>();
    private final List<long[]> layout = new ArrayList<>(); // {base, pitch, items}
    private long next = ALIGN;

    /** Allocates an object of {@code items} items of {@code pitch} bytes and returns its id. */
    public int allocate(String name, long pitch, long items) {
        if (pitch < 0 || items < 0) {
            throw new IllegalArgumentException("bad object " + name);
        }
        int id = names.size();
        names.add(name);
        layout.add(new long[] {next, pitch, items});
        long size = Math.multiplyExact(pitch, items);
        next = Math.addExact(next, (size + ALIGN - 1) / ALIGN * ALIGN + ALIGN);
        return id;
    }

    public int objects() {
        return names.size();
    }

    public String name(int object) {
        return names.get(object);
    }

    /** Address of the first byte of item {@code item} of {@code object}. */
    public long address(int object, long item) {
        long[] l = layout.get(object);
        return l[0] + item * l[1];
    }

    public long pitch(int object) {
        return layout.get(object)[1];
    }
}
