package io.attnkit.sim.l2;

import java.util.Arrays;
import java.util.List;

/**
 * The geometry of every trail at one moment, grouped by object, each group sorted by the
 * trail's upper end, highest first: enough to say how many distinct bytes the trails swept in
 * any window before that moment.
 */
final class TrailSnapshot {
    /**
     * Windows per block of {@link #blockYoungest}: a look-up at a short lag skips the blocks whose
     * windows all lie further back than the lag reaches (every age at least the lag). Three in four
     * of the windows examples/xattention.attn's look-ups visited were such, most of them old
     * stretches of a K or V tensor.
     */
    private static final int BLOCK_BITS = 3;
    private static final int BLOCK = 1 << BLOCK_BITS;

    private double snapTime;
    private int snapSize;
    private int[] snapObjectEnd = new int[16];
    private int snapObjects;
    private double[] hi = new double[64];
    private double[] lo = new double[64];
    private double[] anchor = new double[64];
    private double[] rate = new double[64];
    private double[] age = new double[64];
    private double[] bytes = new double[64];
    private double[] youngest = new double[16]; // per object, the least age of its windows
    private double[] blockYoungest = new double[16]; // per block of BLOCK windows, the least age
    private double[] positions = new double[64]; // scratch of orderByPosition

    /** When the snapshot was taken. */
    double time() {
        return snapTime;
    }

    /**
     * Distinct bytes the trails of the snapshot swept in the {@code lag} cycles before it. With
     * an object's windows sorted by upper end, the part of window k not covered by the windows
     * above it is {@code [low_k, min(hi_k, lowest low above)]}, so one pass gives the union.
     */
    double distinctBytes(double lag) {
        double total = 0;
        int k = 0;
        for (int o = 0; o < snapObjects; o++) {
            int end = snapObjectEnd[o];
            if (lag <= youngest[o]) {
                k = end; // every window of the object opens after the lag: none counts
                continue;
            }
            double covered = Double.POSITIVE_INFINITY;
            for (; k < end; k++) {
                if ((k & (BLOCK - 1)) == 0 && k + BLOCK <= end && lag <= blockYoungest[k >> BLOCK_BITS]) {
                    k += BLOCK - 1; // none of these windows is open at this lag
                    continue;
                }
                double window = lag - age[k];
                if (window <= 0) {
                    continue;
                }
                double low = Math.max(lo[k], anchor[k] - rate[k] * window);
                double top = Math.min(hi[k], covered);
                if (top > low) {
                    total += (top - low) * bytes[k];
                }
                covered = Math.min(covered, low);
            }
        }
        return total;
    }

    /**
     * Records every trail's window geometry at {@code now}, and puts each object's active
     * trails in order of position (highest first, older first on ties) for the look-ups.
     */
    void take(TrailsByObject byObject, double now) {
        snapTime = now;
        snapSize = 0;
        snapObjects = 0;
        for (Trails trails : byObject.live()) {
            if (trails.isEmpty()) {
                continue;
            }
            List<Trail> active = trails.active;
            double[] pos = orderByPosition(active, now);
            int first = snapSize;
            int a = 0;
            // Both sorted by upper end, highest first: merged.
            double[] done = trails.donePasses();
            for (int i = 0; i < done.length; i += PassMap.GEOMETRY_STRIDE) {
                double hiEnd = done[i + 1];
                for (; a < active.size() && pos[a] >= hiEnd; a++) {
                    addInFlight(active.get(a), pos[a]);
                }
                add(done[i], hiEnd, done[i + 2], done[i + 3], now - done[i + 4], done[i + 5]);
            }
            for (; a < active.size(); a++) {
                addInFlight(active.get(a), pos[a]);
            }
            if (snapObjects == snapObjectEnd.length) {
                snapObjectEnd = Arrays.copyOf(snapObjectEnd, snapObjects * 2);
                youngest = Arrays.copyOf(youngest, snapObjects * 2);
            }
            double least = Double.POSITIVE_INFINITY;
            for (int k = first; k < snapSize; k++) {
                least = Math.min(least, age[k]);
            }
            youngest[snapObjects] = least;
            snapObjectEnd[snapObjects++] = snapSize;
        }
        int blocks = (snapSize + BLOCK - 1) >> BLOCK_BITS;
        if (blockYoungest.length < blocks) {
            blockYoungest = new double[Math.max(blocks, 2 * blockYoungest.length)];
        }
        for (int b = 0; b < blocks; b++) {
            double least = Double.POSITIVE_INFINITY;
            for (int k = b << BLOCK_BITS, end = Math.min(snapSize, k + BLOCK); k < end; k++) {
                least = Math.min(least, age[k]);
            }
            blockYoungest[b] = least;
        }
    }

    private void addInFlight(Trail t, double pos) {
        add(t.start, pos, pos, t.itemsPerCycle(), 0, t.bytes);
    }

    /**
     * Adds the window of items {@code from .. to} swept at {@code itemsPerCycle} by a trail that
     * was at {@code at} {@code ago} cycles before the snapshot (0: in flight), unless it is empty.
     */
    private void add(double from, double to, double at, double itemsPerCycle, double ago, double itemBytes) {
        if (to <= from) {
            return;
        }
        if (snapSize == hi.length) {
            int size = snapSize * 2;
            hi = Arrays.copyOf(hi, size);
            lo = Arrays.copyOf(lo, size);
            rate = Arrays.copyOf(rate, size);
            anchor = Arrays.copyOf(anchor, size);
            age = Arrays.copyOf(age, size);
            bytes = Arrays.copyOf(bytes, size);
        }
        hi[snapSize] = to;
        lo[snapSize] = from;
        anchor[snapSize] = at;
        rate[snapSize] = itemsPerCycle;
        age[snapSize] = ago;
        bytes[snapSize] = itemBytes;
        snapSize++;
    }

    /**
     * Insertion sort of active trails by position, highest first, older first among level ones
     * (they are nearly sorted); returns their positions in the new order, valid until the next call.
     */
    private double[] orderByPosition(List<Trail> list, double now) {
        int n = list.size();
        if (positions.length < n) {
            positions = new double[Math.max(n, 2 * positions.length)];
        }
        double[] pos = positions;
        for (int i = 0; i < n; i++) {
            pos[i] = list.get(i).position(now);
        }
        for (int i = 1; i < n; i++) {
            Trail t = list.get(i);
            double p = pos[i];
            int j = i - 1;
            while (j >= 0 && Trail.ahead(t, p, list.get(j), pos[j])) {
                list.set(j + 1, list.get(j));
                pos[j + 1] = pos[j];
                j--;
            }
            list.set(j + 1, t);
            pos[j + 1] = p;
        }
        for (int i = 0; i < n; i++) {
            list.get(i).slot = i;
        }
        return pos;
    }
}
