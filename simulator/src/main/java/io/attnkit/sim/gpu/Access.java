package io.attnkit.sim.gpu;

/**
 * A stream of memory accesses of one segment: at step {@code s} the CTA touches item
 * {@code firstItem + s} of {@code object} (a tensor cut into tiles), {@code itemBytes} bytes,
 * reading or writing. {@code reused} says whether any other access of the launch touches the
 * same items (K/V tiles shared by CTAs, S written then read); accesses that nobody touches
 * again (Q, O) only occupy the L2 and never need a reuse look-up. {@code companion} says that
 * this access's object is always touched at the same items and times as the previous access's
 * (V with K), so that a reuse model may share one look-up between them.
 */
public record Access(int object, long firstItem, long itemBytes, boolean write, boolean reused, boolean companion) {
    public Access {
        if (object < 0 || firstItem < 0 || itemBytes < 0) {
            throw new IllegalArgumentException("bad access");
        }
    }

    /** An access with no companion. */
    public Access(int object, long firstItem, long itemBytes, boolean write, boolean reused) {
        this(object, firstItem, itemBytes, write, reused, false);
    }

    /** The same access starting {@code by} items further. */
    public Access shifted(long by) {
        return new Access(object, firstItem + by, itemBytes, write, reused, companion);
    }
}
