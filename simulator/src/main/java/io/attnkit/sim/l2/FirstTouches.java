package io.attnkit.sim.l2;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * The passes of trails over their objects, held until the next check and then set against the
 * items every trail has touched, so that each item's first fetch is paid in full.
 *
 * <p>A model with piecewise constant hit fractions can let a fresh item through as a hit: a CTA
 * riding on another's fetches overtakes it, or the members of a convoy, each paying its share
 * of a fetch, disagree for a moment about who is in it (one drifted a few cycles behind and
 * takes the others' fetches as hits while they still count on its share). So at each check the
 * misses of every pass over a fresh item are added up, and what falls short of one fetch is a
 * compulsory miss the engine charges to DRAM. The passes of one fetch come within a few cycles
 * of each other: an item is settled once its first pass is {@link #FETCH_WINDOW} cycles old,
 * and until then its passes wait for the next check. Every check follows a record of all
 * trails in flight up to the present, so a settled item has all its passes in.
 */
final class FirstTouches {
    /** Cycles after an item's first touch within which every pass over it shares its fetch: wider than a convoy's reach. */
    static final double FETCH_WINDOW = 8 * Trail.CONVOY_CYCLES;

    /** Items {@code from .. to} passed by {@code time} with a miss fraction {@code miss}, of {@code bytes} each. */
    private record Pass(double from, double to, double time, double miss, double bytes) {
        Pass clip(double lo, double hi) {
            return new Pass(Math.max(from, lo), Math.min(to, hi), time, miss, bytes);
        }
    }

    private final TrailsByObject byObject;
    /** Passes not yet checked, by object and kind: {@code 2 * object} for reads, {@code + 1} for writes. */
    private final Map<Integer, List<Pass>> pending = new HashMap<>();
    private double reads;
    private double writes;

    FirstTouches(TrailsByObject byObject) {
        this.byObject = byObject;
    }

    /** Notes that {@code t} passed the items up to {@code to} by {@code now} at hit fraction {@code hit}. */
    void record(Trail t, double to, double hit, double now) {
        if (to > t.checked) {
            pending.computeIfAbsent(2 * t.object + (t.write ? 1 : 0), k -> new ArrayList<>())
                    .add(new Pass(t.checked, to, now, 1 - hit, t.bytes));
            t.checked = to;
        }
    }

    /**
     * Settles the fresh items whose first pass is older than the fetch window at {@code now}
     * (infinity: all of them), reads before writes on each object: a read-modify-write's read
     * finds its items fresh.
     */
    void check(double now) {
        if (pending.isEmpty()) {
            return;
        }
        Integer[] keys = pending.keySet().toArray(new Integer[0]);
        Arrays.sort(keys);
        for (int key : keys) {
            Trails trails = byObject.get(key / 2);
            boolean write = key % 2 == 1;
            List<Pass> left = settle(pending.get(key), write ? trails.written : trails.touched, write ? trails.touched : null,
                    now, write);
            if (left.isEmpty()) {
                pending.remove(key);
            } else {
                pending.put(key, left);
            }
        }
    }

    /**
     * Charges the shortfall of the passes over each fresh item of {@code seen}, marks the settled
     * ones in {@code seen} (and {@code alsoSeen}), and returns the passes over the items not yet
     * settled, clipped to them.
     */
    private List<Pass> settle(List<Pass> passes, TouchedItems seen, TouchedItems alsoSeen, double now, boolean write) {
        List<Pass> fresh = new ArrayList<>(passes.size());
        for (Pass p : passes) {
            if (!seen.covers(p.from, p.to)) {
                fresh.add(p);
            }
        }
        if (fresh.isEmpty()) {
            return List.of();
        }
        // A sweep over the ends of the passes: between two ends the same passes cover every item.
        // Their times are when they were recorded, the latest they can have passed it.
        double[] ends = new double[2 * fresh.size()];
        for (int i = 0; i < fresh.size(); i++) {
            ends[2 * i] = fresh.get(i).from;
            ends[2 * i + 1] = fresh.get(i).to;
        }
        Arrays.sort(ends);
        fresh.sort((a, b) -> Double.compare(a.from, b.from));
        PriorityQueue<Pass> covering = new PriorityQueue<>((x, y) -> Double.compare(x.to, y.to));
        TreeMap<Double, Integer> times = new TreeMap<>(); // the covering passes' times, with multiplicity
        TreeMap<Double, Integer> sizes = new TreeMap<>(); // and their bytes per item
        double paid = 0; // their misses, in bytes per item
        List<double[]> unsettled = new ArrayList<>(); // merged [lo, hi) of fresh items not yet settled
        int next = 0;
        double shortfall = 0;
        for (int e = 0; e + 1 < ends.length; e++) {
            double a = ends[e];
            double b = ends[e + 1];
            if (!(b > a)) {
                continue;
            }
            while (!covering.isEmpty() && covering.peek().to <= a) {
                Pass p = covering.poll();
                remove(times, p.time);
                remove(sizes, p.bytes);
                paid -= p.miss * p.bytes;
            }
            while (next < fresh.size() && fresh.get(next).from <= a) {
                Pass p = fresh.get(next++);
                if (p.to > a) {
                    covering.add(p);
                    times.merge(p.time, 1, Integer::sum);
                    sizes.merge(p.bytes, 1, Integer::sum);
                    paid += p.miss * p.bytes;
                }
            }
            if (covering.isEmpty()) {
                continue;
            }
            double untouched = seen.untouched(a, b);
            if (untouched <= 0) {
                continue;
            }
            // The first pass over these items ended by the least of the covering passes' times.
            if (times.firstKey() + FETCH_WINDOW > now) {
                if (!unsettled.isEmpty() && unsettled.getLast()[1] == a) {
                    unsettled.getLast()[1] = b;
                } else {
                    unsettled.add(new double[] {a, b});
                }
                continue;
            }
            shortfall += Math.max(0, sizes.lastKey() - paid) * untouched;
            seen.add(a, b);
            if (alsoSeen != null) {
                alsoSeen.add(a, b);
            }
        }
        if (write) {
            writes += shortfall;
        } else {
            reads += shortfall;
        }
        if (unsettled.isEmpty()) {
            return List.of();
        }
        List<Pass> left = new ArrayList<>();
        for (Pass p : fresh) { // the regions are sorted and disjoint: start at the first that ends above p's start
            int lo = 0;
            int hi = unsettled.size();
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (unsettled.get(mid)[1] <= p.from) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            for (int u = lo; u < unsettled.size() && unsettled.get(u)[0] < p.to; u++) {
                left.add(p.clip(unsettled.get(u)[0], unsettled.get(u)[1]));
            }
        }
        return left;
    }

    private static void remove(TreeMap<Double, Integer> multiset, double key) {
        multiset.merge(key, -1, (x, y) -> x + y == 0 ? null : x + y);
    }

    /** Compulsory read bytes found since the last call. */
    double takeReads() {
        double bytes = reads;
        reads = 0;
        return bytes;
    }

    /** Compulsory write bytes (writes counted as landing in lines already dirty) found since the last call. */
    double takeWrites() {
        double bytes = writes;
        writes = 0;
        return bytes;
    }
}
