package io.attnkit.sim.l2;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The trails of one object: those in flight (in position order after each snapshot), and those
 * done. The done ones are also kept as flat rows of their geometry, by upper end, highest
 * first: a reuse look-up of item x scans those whose end is above x, and that scan is the
 * simulator's hottest loop (most done trails of a backward are short runs below x).
 */
final class Trails {
    /** Columns of a row of {@link #rows}. */
    private static final int START = 0;
    private static final int END = 1;
    private static final int BEGIN_TIME = 2;
    private static final int END_TIME = 3;
    private static final int RATE = 4;
    private static final int WIDTH = 5;

    final List<Trail> active = new ArrayList<>();
    /** Items any trail has passed, and those a write has. */
    final TouchedItems touched = new TouchedItems();
    final TouchedItems written = new TouchedItems();
    private final List<Trail> finished = new ArrayList<>();
    private double[] rows = new double[16 * WIDTH];
    private boolean[] write = new boolean[16];
    private int size;
    private int bestRow; // left by latestPass: the row that gave its answer, or -1

    boolean isEmpty() {
        return active.isEmpty() && finished.isEmpty();
    }

    /**
     * The finished trails, which callers may sort; one that removes any calls
     * {@link #reindex()} after.
     */
    List<Trail> finished() {
        return finished;
    }

    /** {@code t} is done. */
    void finish(Trail t) {
        finished.add(t);
        insert(t);
    }

    /** Rebuilds the rows after trails were removed from {@link #finished()}. */
    void reindex() {
        size = 0;
        for (Trail t : finished) {
            insert(t);
        }
    }

    private void insert(Trail t) {
        if (size == write.length) {
            rows = Arrays.copyOf(rows, 2 * size * WIDTH);
            write = Arrays.copyOf(write, 2 * size);
        }
        int at = 0; // after the last end at or above t's: binary search, as new trails often go first
        int hi = size;
        while (at < hi) {
            int mid = (at + hi) >>> 1;
            if (rows[mid * WIDTH + END] >= t.end) {
                at = mid + 1;
            } else {
                hi = mid;
            }
        }
        System.arraycopy(rows, at * WIDTH, rows, (at + 1) * WIDTH, (size - at) * WIDTH);
        System.arraycopy(write, at, write, at + 1, size - at);
        int r = at * WIDTH;
        rows[r + START] = t.start;
        rows[r + END] = t.end;
        rows[r + BEGIN_TIME] = t.beginTime;
        rows[r + END_TIME] = t.endTime;
        rows[r + RATE] = t.rate;
        write[at] = t.write;
        size++;
    }

    /**
     * The latest of {@code best} and the times at which the finished trails passed item
     * {@code floor(x)}, of the writes only when {@code writesOnly}: {@link Trail#passed} and
     * {@link Trail#passTime} of a finished trail, over all of them (the maximum does not
     * depend on their order).
     */
    double latestPass(double x, boolean writesOnly, double best) {
        bestRow = -1;
        // Ends are descending, so the trails with end > x come first; with x NaN none passed it.
        for (int i = 0, r = 0; i < size && rows[r + END] > x; i++, r += WIDTH) {
            if (rows[r + START] <= x && (!writesOnly || write[i])) {
                double rate = rows[r + RATE];
                double back = rate > 0 ? (rows[r + END] - x) / rate : 0;
                double pass = Math.max(rows[r + BEGIN_TIME], rows[r + END_TIME] - back);
                if (pass > best) {
                    best = pass;
                    bestRow = r;
                }
            }
        }
        return best;
    }

    /** Where the trail that gave the last {@link #latestPass} its answer ends; NaN when {@code best} stood. */
    double bestEnd() {
        return bestRow < 0 ? Double.NaN : rows[bestRow + END];
    }

    /** Items per cycle of that trail. */
    double bestRate() {
        return rows[bestRow + RATE];
    }

    /**
     * The lowest start above {@code x}, the item {@code self} is at, of a trail that passed its
     * start later than the trail {@code self} follows passes it (as {@code self} last looked):
     * from there on that trail is the last to have touched the items.
     */
    double nextStart(Trail self, double x) {
        double next = Double.POSITIVE_INFINITY;
        for (int i = 0, r = 0; i < size && rows[r + END] > x; i++, r += WIDTH) {
            double start = rows[r + START];
            if (start > x && start < next && (!self.write || write[i])
                    && Trail.passesLater(rows[r + BEGIN_TIME], start, x, self.followPass, self.followRate)) {
                next = start;
            }
        }
        for (Trail t : active) {
            if (t != self && t.start > x && t.start < next && (!self.write || t.write)
                    && Trail.passesLater(t.beginTime, t.start, x, self.followPass, self.followRate)) {
                next = t.start;
            }
        }
        return next;
    }}
