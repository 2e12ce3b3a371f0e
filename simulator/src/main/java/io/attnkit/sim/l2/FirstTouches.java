package io.attnkit.sim.l2;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.PriorityQueue;

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

    /**
     * Items {@code from .. to} passed by {@code time} with a miss fraction {@code miss}, of
     * {@code bytes} each. A trail's next record at the same hit fraction before the next check
     * extends its last pass instead of adding one.
     */
    static final class Pass {
        final double from;
        double to;
        double time;
        final double miss;
        final double bytes;

        Pass(double from, double to, double time, double miss, double bytes) {
            this.from = from;
            this.to = to;
            this.time = time;
            this.miss = miss;
            this.bytes = bytes;
        }

        Pass clip(double lo, double hi) {
            return new Pass(Math.max(from, lo), Math.min(to, hi), time, miss, bytes);
        }
    }

    private final TrailsByObject byObject;
    /** Passes not yet checked, by object and kind: {@code 2 * object} for reads, {@code + 1} for writes. */
    private final List<List<Pass>> pending;
    private final BitSet pendingKeys = new BitSet();
    private double reads;
    private double writes;
    private long checks; // passes recorded since the last check may be extended
    // Scratch of settle, kept between calls: a decode batch checks thousands of small groups.
    private final List<Pass> fresh = new ArrayList<>();
    private final PriorityQueue<Pass> covering = new PriorityQueue<>((x, y) -> Double.compare(x.to, y.to));
    private final List<double[]> unsettled = new ArrayList<>();
    private double[] ends = new double[64];

    FirstTouches(TrailsByObject byObject, int objects) {
        this.byObject = byObject;
        this.pending = new ArrayList<>(Collections.nCopies(2 * objects, (List<Pass>) null));
    }

    /** True when passes over {@code object} wait to be checked: its record of touched items is still needed. */
    boolean pending(int object) {
        return pendingKeys.get(2 * object) || pendingKeys.get(2 * object + 1);
    }

    /** Notes that {@code t} passed the items up to {@code to} by {@code now} at hit fraction {@code hit}. */
    void record(Trail t, double to, double hit, double now) {
        if (!(to > t.checked)) {
            return;
        }
        Pass last = t.lastPass;
        if (last != null && t.lastPassChecks == checks && last.to == t.checked && last.miss == 1 - hit) {
            last.to = to;
            last.time = now;
        } else {
            int key = 2 * t.object + (t.write ? 1 : 0);
            List<Pass> passes = pending.get(key);
            if (passes == null) {
                passes = new ArrayList<>();
                pending.set(key, passes);
            }
            t.lastPass = new Pass(t.checked, to, now, 1 - hit, t.bytes);
            t.lastPassChecks = checks;
            passes.add(t.lastPass);
            pendingKeys.set(key);
        }
        t.checked = to;
    }

    /**
     * Settles the fresh items whose first pass is older than the fetch window at {@code now}
     * (infinity: all of them), writes before reads on each object: an accumulator that a CTA
     * writes and reads back within the window (FlashAttention-1's O) was written into the L2
     * first. Settled the other way round, those reads were charged fetches the exact cache never
     * makes, up to 41% more bytes.
     */
    void check(double now) {
        checks++;
        for (int key = pendingKeys.nextSetBit(0); key >= 0; key = pendingKeys.nextSetBit(key + 1)) {
            int readKey = key & ~1;
            settle(readKey + 1, now);
            settle(readKey, now);
            key = readKey + 1;
        }
    }

    private void settle(int key, double now) {
        List<Pass> passes = pending.get(key);
        if (passes == null) {
            return;
        }
        Trails trails = byObject.get(key / 2);
        boolean write = key % 2 == 1;
        settle(passes, write ? trails.written() : trails.touched, write ? trails.touched : null, now, write);
        if (passes.isEmpty()) {
            pendingKeys.clear(key);
            pending.set(key, null); // most objects of a decode batch are swept once
        }
    }

    /**
     * Charges the shortfall of {@code passes} over each fresh item of {@code seen}, marks the
     * settled ones in {@code seen} (and {@code alsoSeen}), and leaves in {@code passes} those over
     * the items not yet settled, clipped to them.
     */
    private void settle(List<Pass> passes, TouchedItems seen, TouchedItems alsoSeen, double now, boolean write) {
        fresh.clear();
        double fetch = 0; // bytes per item of the widest pass: one fetch
        for (Pass p : passes) {
            if (!seen.covers(p.from, p.to)) {
                fresh.add(p);
                fetch = Math.max(fetch, p.bytes);
            }
        }
        passes.clear();
        if (fresh.isEmpty()) {
            return;
        }
        // A sweep over the ends of the passes: between two ends the same passes cover every item.
        // Their times are when they were recorded, the latest they can have passed it; an item is
        // settled once one of them is older than the window.
        int n = 2 * fresh.size();
        if (ends.length < n) {
            ends = new double[Math.max(n, 2 * ends.length)];
        }
        for (int i = 0; i < fresh.size(); i++) {
            ends[2 * i] = fresh.get(i).from;
            ends[2 * i + 1] = fresh.get(i).to;
        }
        Arrays.sort(ends, 0, n);
        fresh.sort((a, b) -> Double.compare(a.from, b.from));
        covering.clear();
        unsettled.clear();
        double old = now - FETCH_WINDOW;
        int settledBy = 0; // covering passes older than the window
        int widest = 0; // covering passes of the widest's bytes
        double paid = 0; // their misses, in bytes per item
        int next = 0;
        double shortfall = 0;
        for (int e = 0; e + 1 < n; e++) {
            double a = ends[e];
            double b = ends[e + 1];
            if (!(b > a)) {
                continue;
            }
            while (!covering.isEmpty() && covering.peek().to <= a) {
                Pass p = covering.poll();
                settledBy -= p.time <= old ? 1 : 0;
                widest -= p.bytes == fetch ? 1 : 0;
                paid -= p.miss * p.bytes;
            }
            while (next < fresh.size() && fresh.get(next).from <= a) {
                Pass p = fresh.get(next++);
                if (p.to > a) {
                    covering.add(p);
                    settledBy += p.time <= old ? 1 : 0;
                    widest += p.bytes == fetch ? 1 : 0;
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
            if (settledBy == 0) {
                if (!unsettled.isEmpty() && unsettled.getLast()[1] == a) {
                    unsettled.getLast()[1] = b;
                } else {
                    unsettled.add(new double[] {a, b});
                }
                continue;
            }
            shortfall += Math.max(0, (widest > 0 ? fetch : widestCovering()) - paid) * untouched;
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
                passes.add(p.clip(unsettled.get(u)[0], unsettled.get(u)[1]));
            }
        }
    }

    /** The bytes per item of the widest pass covering the present items. */
    private double widestCovering() {
        double bytes = 0;
        for (Pass p : covering) {
            bytes = Math.max(bytes, p.bytes);
        }
        return bytes;
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
