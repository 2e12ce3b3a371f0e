package io.attnkit.sim.l2;

import java.util.Arrays;

/**
 * The never-reused bytes (outputs, tiles read once) that the chunks in flight at a snapshot have
 * moved so far, each chunk's spread evenly over its time since it began. The {@link PointLog}
 * takes a chunk's bytes only when it ends; without these, a launch whose CTAs all start together
 * would see none of its own outputs in any stack distance until its first CTAs finish.
 */
final class InFlightPoints {
    private double[] elapsed = new double[64]; // cycles since each chunk began
    private double[] bytes = new double[64]; // never-reused bytes each moved so far
    private int size;

    void clear() {
        size = 0;
    }

    /** A chunk that began {@code elapsed} cycles ago and has moved {@code bytes} never-reused bytes. */
    void add(double elapsed, double bytes) {
        if (!(bytes > 0) || !(elapsed > 0)) {
            return;
        }
        if (size == this.elapsed.length) {
            this.elapsed = Arrays.copyOf(this.elapsed, 2 * size);
            this.bytes = Arrays.copyOf(this.bytes, 2 * size);
        }
        this.elapsed[size] = elapsed;
        this.bytes[size] = bytes;
        size++;
    }

    /**
     * Bytes moved in the last {@code lag} cycles before the snapshot: all of a younger chunk's,
     * the share of the lag in an older one's. One pass: the snapshot's distinct bytes cost as much.
     */
    double since(double lag) {
        if (!(lag > 0)) {
            return 0;
        }
        double total = 0;
        for (int k = 0; k < size; k++) {
            total += bytes[k] * Math.min(1, lag / elapsed[k]);
        }
        return total;
    }
}
