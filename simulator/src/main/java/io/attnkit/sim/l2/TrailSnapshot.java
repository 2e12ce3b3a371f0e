package io.attnkit.sim.l2;

import java.util.Arrays;
import java.util.BitSet;
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

    private static final double[] NO_PASSES = new double[0];

    private final DonePasses done = new DonePasses();
    // The trails in flight at the snapshot, object by object: the first trail after object k's is flightEnd[k].
    private int flightObjects;
    private int[] flightObject = new int[16];
    private int[] flightEnd = new int[16];
    private double[] flightStart = new double[64];
    private double[] flightPos = new double[64];
    private double[] flightRate = new double[64];
    private double[] flightBytes = new double[64];
    private boolean built; // whether the windows below are this snapshot's

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
        if (!built) {
            build();
        }
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
     * Takes the snapshot at {@code now}: puts each object's active trails in order of position
     * (highest first, older first on ties) for the look-ups, and notes where they are and how
     * fast they go; the done passes are read from the {@link DonePasses} kept between snapshots.
     * The windows are laid out when a distance is first asked for: a decode batch takes
     * thousands of snapshots and asks none, while its done passes span thousands of objects.
     */
    void take(TrailsByObject byObject, double now) {
        snapTime = now;
        built = false;
        done.update(byObject);
        flightObjects = 0;
        int trails = 0;
        BitSet moving = byObject.moving();
        for (int o = moving.nextSetBit(0); o >= 0; o = moving.nextSetBit(o + 1)) {
            Trails held = byObject.peek(o);
            List<Trail> active = held == null ? List.of() : held.active;
            if (active.isEmpty()) {
                moving.clear(o);
                continue;
            }
            double[] pos = orderByPosition(active, now);
            fitFlight(trails + active.size());
            for (int a = 0; a < active.size(); a++, trails++) {
                Trail t = active.get(a);
                flightStart[trails] = t.start;
                flightPos[trails] = pos[a];
                flightRate[trails] = t.itemsPerCycle();
                flightBytes[trails] = t.bytes;
            }
            if (flightObjects == flightObject.length) {
                flightObject = Arrays.copyOf(flightObject, 2 * flightObjects);
                flightEnd = Arrays.copyOf(flightEnd, 2 * flightObjects);
            }
            flightObject[flightObjects] = o;
            flightEnd[flightObjects++] = trails;
        }
    }

    /** Lays out the windows of every object, done passes and trails in flight, in object order. */
    private void build() {
        built = true;
        snapSize = 0;
        snapObjects = 0;
        int d = 0;
        int f = 0;
        int a = 0; // the next trail in flight
        while (d < done.size() || f < flightObjects) {
            int o = Math.min(d < done.size() ? done.object(d) : Integer.MAX_VALUE,
                    f < flightObjects ? flightObject[f] : Integer.MAX_VALUE);
            double[] passes = d < done.size() && done.object(d) == o ? done.geometry(d++) : NO_PASSES;
            int end = f < flightObjects && flightObject[f] == o ? flightEnd[f++] : a;
            int first = snapSize;
            // Both sorted by upper end, highest first: merged.
            for (int i = 0; i < passes.length; i += PassMap.GEOMETRY_STRIDE) {
                double hiEnd = passes[i + 1];
                for (; a < end && flightPos[a] >= hiEnd; a++) {
                    addInFlight(a);
                }
                add(passes[i], hiEnd, passes[i + 2], passes[i + 3], snapTime - passes[i + 4], passes[i + 5]);
            }
            for (; a < end; a++) {
                addInFlight(a);
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

    private void fitFlight(int n) {
        if (flightStart.length < n) {
            int size = Math.max(n, 2 * flightStart.length);
            flightStart = Arrays.copyOf(flightStart, size);
            flightPos = Arrays.copyOf(flightPos, size);
            flightRate = Arrays.copyOf(flightRate, size);
            flightBytes = Arrays.copyOf(flightBytes, size);
        }
    }

    private void addInFlight(int a) {
        add(flightStart[a], flightPos[a], flightPos[a], flightRate[a], 0, flightBytes[a]);
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
