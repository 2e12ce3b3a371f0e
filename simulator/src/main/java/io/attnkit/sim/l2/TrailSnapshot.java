package io.attnkit.sim.l2;

import java.util.Arrays;
import java.util.List;

/**
 * The geometry of every trail at one moment, grouped by object, each group sorted by the
 * trail's upper end, highest first: enough to say how many distinct bytes the trails swept in
 * any window before that moment.
 */
final class TrailSnapshot {
    private double snapTime;
    private int snapSize;
    private int[] snapObjectEnd = new int[16];
    private int snapObjects;
    private double[] hi = new double[64];
    private double[] lo = new double[64];
    private double[] rate = new double[64];
    private double[] age = new double[64];
    private double[] bytes = new double[64];

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
            double covered = Double.POSITIVE_INFINITY;
            for (; k < end; k++) {
                double window = lag - age[k];
                if (window <= 0) {
                    continue;
                }
                double low = Math.max(lo[k], hi[k] - rate[k] * window);
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
    void take(List<Trails> byObject, double now) {
        snapTime = now;
        snapSize = 0;
        snapObjects = 0;
        for (Trails trails : byObject) {
            if (trails.isEmpty()) {
                continue;
            }
            orderByPosition(trails.active, now);
            trails.finished.sort(Trail.BY_END_DESCENDING);
            int a = 0;
            int f = 0;
            while (a < trails.active.size() || f < trails.finished.size()) {
                boolean takeActive = f >= trails.finished.size() || a < trails.active.size()
                        && trails.active.get(a).position(now) >= trails.finished.get(f).end;
                add(takeActive ? trails.active.get(a++) : trails.finished.get(f++), now);
            }
            if (snapObjects == snapObjectEnd.length) {
                snapObjectEnd = Arrays.copyOf(snapObjectEnd, snapObjects * 2);
            }
            snapObjectEnd[snapObjects++] = snapSize;
        }
    }

    private void add(Trail t, double now) {
        double pos = t.position(now);
        if (pos <= t.start) {
            return;
        }
        if (snapSize == hi.length) {
            int size = snapSize * 2;
            hi = Arrays.copyOf(hi, size);
            lo = Arrays.copyOf(lo, size);
            rate = Arrays.copyOf(rate, size);
            age = Arrays.copyOf(age, size);
            bytes = Arrays.copyOf(bytes, size);
        }
        hi[snapSize] = pos;
        lo[snapSize] = t.start;
        rate[snapSize] = t.itemsPerCycle();
        age[snapSize] = t.owner == null ? now - t.endTime : 0;
        bytes[snapSize] = t.bytes;
        snapSize++;
    }

    /** Insertion sort of active trails by position, highest first, older first on ties (they are nearly sorted). */
    private static void orderByPosition(List<Trail> list, double now) {
        int n = list.size();
        double[] pos = new double[n];
        for (int i = 0; i < n; i++) {
            pos[i] = list.get(i).position(now);
        }
        for (int i = 1; i < n; i++) {
            Trail t = list.get(i);
            double p = pos[i];
            int j = i - 1;
            while (j >= 0 && (pos[j] < p || pos[j] == p && list.get(j).seq > t.seq)) {
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
    }
}
