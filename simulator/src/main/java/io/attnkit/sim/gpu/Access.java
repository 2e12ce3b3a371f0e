package io.attnkit.sim.gpu;

/**
 * A stream of memory accesses of one segment: at step {@code s} the CTA touches item
 * {@code firstItem + s * stride} of {@code object} (a tensor cut into tiles), {@code itemBytes}
 * bytes, reading or writing. A stride other than 1 walks a column of a matrix cut into tiles
 * row by row (the transposed operand of a GEMM). {@code reused} says whether any other access of
 * the launch touches the same items (K/V tiles shared by CTAs, S written then read); accesses
 * that nobody touches again (Q, O) only occupy the L2 and never need a reuse look-up.
 * {@code companion} says that this access's object is always touched at the same items and
 * times as the previous access's (V with K), so that a reuse model may share one look-up
 * between them.
 */
public record Access(int object, long firstItem, long itemBytes, boolean write, boolean reused, boolean companion, long stride) {
    public Access {
        if (object < 0 || firstItem < 0 || itemBytes < 0 || stride < 1) {
            throw new IllegalArgumentException("bad access");
        }
        if (companion && stride != 1) {
            throw new IllegalArgumentException("a companion walks its items one by one");
        }
    }

    /** An access to consecutive items. */
    public Access(int object, long firstItem, long itemBytes, boolean write, boolean reused, boolean companion) {
        this(object, firstItem, itemBytes, write, reused, companion, 1);
    }

    /** An access to consecutive items, with no companion. */
    public Access(int object, long firstItem, long itemBytes, boolean write, boolean reused) {
        this(object, firstItem, itemBytes, write, reused, false, 1);
    }

    /** The item touched at step {@code step}. */
    public long item(long step) {
        return firstItem + step * stride;
    }

    /** True when the steps touch consecutive items. */
    public boolean consecutive() {
        return stride == 1;
    }
}
