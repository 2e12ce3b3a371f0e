package io.attnkit.dsl.blocks;

import java.util.Arrays;

/**
 * An immutable set of keys, stored as sorted, disjoint, non-adjacent half-open intervals
 * {@code [start, end)}. The visible keys of one query row under any mask are a handful of
 * intervals, which makes block classification cost per row, not per element.
 */
public final class IntervalSet {
    public static final IntervalSet EMPTY = new IntervalSet(new int[0]);

    /** start0, end0, start1, end1, ... */
    private final int[] bounds;

    private IntervalSet(int[] bounds) {
        this.bounds = bounds;
    }

    /** {@code [start, end)}, empty when {@code end <= start}. */
    public static IntervalSet of(long start, long end) {
        if (end <= start) {
            return EMPTY;
        }
        return new IntervalSet(new int[] {(int) start, (int) end});
    }

    /**
     * The keys of blocks {@code j} of {@code size} keys, {@code [j * size, (j + 1) * size)} cut at
     * {@code universe}, for every j of {@code blocks} (any order, repeats allowed): one sort
     * rather than a union per block.
     */
    public static IntervalSet ofBlocks(int[] blocks, int size, int universe) {
        int[] sorted = blocks.clone();
        Arrays.sort(sorted);
        int[] bounds = new int[2 * sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            bounds[2 * i] = (int) Math.min((long) sorted[i] * size, universe);
            bounds[2 * i + 1] = (int) Math.min((long) (sorted[i] + 1) * size, universe);
        }
        return ofSorted(bounds, bounds.length);
    }

    /** Builds a set from a sorted list of possibly touching intervals. */
    static IntervalSet ofSorted(int[] bounds, int length) {
        int[] out = new int[length];
        int n = 0;
        for (int i = 0; i < length; i += 2) {
            int s = bounds[i];
            int e = bounds[i + 1];
            if (e <= s) {
                continue;
            }
            if (n > 0 && s <= out[n - 1]) {
                out[n - 1] = Math.max(out[n - 1], e);
            } else {
                out[n++] = s;
                out[n++] = e;
            }
        }
        return n == 0 ? EMPTY : new IntervalSet(Arrays.copyOf(out, n));
    }

    public int intervals() {
        return bounds.length / 2;
    }

    public int start(int interval) {
        return bounds[2 * interval];
    }

    public int end(int interval) {
        return bounds[2 * interval + 1];
    }

    public boolean isEmpty() {
        return bounds.length == 0;
    }

    /** Number of keys in the set. */
    public long size() {
        long n = 0;
        for (int i = 0; i < bounds.length; i += 2) {
            n += bounds[i + 1] - bounds[i];
        }
        return n;
    }

    public boolean contains(int key) {
        int lo = 0;
        int hi = intervals() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (key < start(mid)) {
                hi = mid - 1;
            } else if (key >= end(mid)) {
                lo = mid + 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /** True when every key of {@code [start, end)} is in the set. */
    public boolean covers(int start, int end) {
        for (int i = 0; i < bounds.length; i += 2) {
            if (bounds[i] <= start && end <= bounds[i + 1]) {
                return true;
            }
            if (bounds[i] > start) {
                return false;
            }
        }
        return false;
    }

    /** True when some key of {@code [start, end)} is in the set. */
    public boolean intersects(int start, int end) {
        for (int i = 0; i < bounds.length; i += 2) {
            if (bounds[i] < end && start < bounds[i + 1]) {
                return true;
            }
            if (bounds[i] >= end) {
                return false;
            }
        }
        return false;
    }

    public IntervalSet union(IntervalSet o) {
        if (isEmpty()) {
            return o;
        }
        if (o.isEmpty()) {
            return this;
        }
        int[] merged = new int[bounds.length + o.bounds.length];
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < bounds.length || j < o.bounds.length) {
            if (j >= o.bounds.length || (i < bounds.length && bounds[i] <= o.bounds[j])) {
                merged[n++] = bounds[i];
                merged[n++] = bounds[i + 1];
                i += 2;
            } else {
                merged[n++] = o.bounds[j];
                merged[n++] = o.bounds[j + 1];
                j += 2;
            }
        }
        return ofSorted(merged, n);
    }

    public IntervalSet intersect(IntervalSet o) {
        if (isEmpty() || o.isEmpty()) {
            return EMPTY;
        }
        int[] out = new int[bounds.length + o.bounds.length];
        int n = 0;
        int i = 0;
        int j = 0;
        while (i < bounds.length && j < o.bounds.length) {
            int s = Math.max(bounds[i], o.bounds[j]);
            int e = Math.min(bounds[i + 1], o.bounds[j + 1]);
            if (s < e) {
                out[n++] = s;
                out[n++] = e;
            }
            if (bounds[i + 1] < o.bounds[j + 1]) {
                i += 2;
            } else {
                j += 2;
            }
        }
        return n == 0 ? EMPTY : new IntervalSet(Arrays.copyOf(out, n));
    }

    /** The keys of {@code [0, universe)} not in this set. */
    public IntervalSet complement(int universe) {
        int[] out = new int[bounds.length + 2];
        int n = 0;
        int cursor = 0;
        for (int i = 0; i < bounds.length; i += 2) {
            if (bounds[i] > cursor) {
                out[n++] = cursor;
                out[n++] = Math.min(bounds[i], universe);
            }
            cursor = Math.max(cursor, bounds[i + 1]);
        }
        if (cursor < universe) {
            out[n++] = cursor;
            out[n++] = universe;
        }
        return ofSorted(out, n);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IntervalSet s && Arrays.equals(bounds, s.bounds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bounds);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < bounds.length; i += 2) {
            b.append(i == 0 ? "" : ", ").append('[').append(bounds[i]).append(", ").append(bounds[i + 1]).append(')');
        }
        return b.append('}').toString();
    }
}
