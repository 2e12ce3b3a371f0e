package io.attnkit.sim.l2;

import java.util.ArrayList;
import java.util.List;

/**
 * For one object, when a finished trail last passed each item: disjoint stretches of items,
 * each passed last by one trail, with that trail's pass times. A trail that finishes takes
 * over the items it passed later than their present owner; nothing is ever forgotten, and the
 * map never holds more stretches than the object has been cut into by trails' ends and the
 * rare points where two trails' pass times cross. A kept list of done trails instead forgot
 * the short runs of sparse heads beyond its bound: NSA's example read 8.4 GB where the exact
 * cache reads 3.7.
 */
final class PassMap {
    /**
     * Items {@code lo .. hi} passed last by a trail over {@code [.., end)} from {@code begin}
     * to {@code endTime} at {@code rate} items per cycle, {@code bytes} per item, when the L2
     * had exchanged {@code dramAtEnd} bytes with DRAM.
     */
    record Ramp(double lo, double hi, double begin, double endTime, double end, double rate, double bytes, double dramAtEnd) {
        double at(double x) {
            double back = rate > 0 ? (end - x) / rate : 0;
            return Math.max(begin, endTime - back);
        }

        Ramp cut(double a, double b) {
            return new Ramp(a, b, begin, endTime, end, rate, bytes, dramAtEnd);
        }

        boolean sameTrail(Ramp o) {
            return begin == o.begin && endTime == o.endTime && end == o.end && rate == o.rate && bytes == o.bytes;
        }
    }

    /** Bisection steps to find where two trails' pass times cross: 2^-40 of the stretch. */
    private static final int CROSSING_STEPS = 40;

    /** Doubles per stretch in {@link #geometry}: lo, hi, end, rate, endTime, bytes. */
    static final int GEOMETRY_STRIDE = 6;

    private final RampSet byLo = new RampSet();
    /** At most the least {@code dramAtEnd} of the stretches: forgetting looks at none while it is recent. */
    private double oldestDram = Double.POSITIVE_INFINITY;
    /** The stretches' geometry, highest first, as {@link #geometry()} returns it; null once they change. */
    private double[] geometry;

    /** The DRAM count of the oldest stretch held, as noted when added; infinite when none is held. */
    double oldestDram() {
        return oldestDram;
    }

    boolean isEmpty() {
        return byLo.isEmpty();
    }

    /** Stretches held. */
    int size() {
        return byLo.size();
    }

    /** When a finished trail last passed item {@code x}; negative infinity when none did. */
    double passAt(double x) {
        Ramp r = containing(x);
        return r == null ? Double.NEGATIVE_INFINITY : r.at(x);
    }

    /** Items per cycle of the trail that last passed {@code x}; 0 when none did. */
    double rateAt(double x) {
        Ramp r = containing(x);
        return r == null ? 0 : r.rate;
    }

    /**
     * The lowest item above {@code x} where {@link #passAt} may jump for a CTA at x: the end of
     * the stretch holding x when {@code owned} (its trail is the one the CTA follows), and the
     * start of the next stretch when its trail passed it later than the followed trail, which
     * passed x at {@code passX} (NaN: none) at {@code rate}, passes it.
     */
    double edgeAbove(double x, boolean owned, double passX, double rate) {
        Ramp here = containing(x);
        if (here != null) {
            if (owned) {
                return here.hi;
            }
            return nextIfLater(byLo.ceiling(here.hi), x, passX, rate);
        }
        return nextIfLater(byLo.higher(x), x, passX, rate);
    }

    private static double nextIfLater(Ramp r, double x, double passX, double rate) {
        if (r == null) {
            return Double.POSITIVE_INFINITY;
        }
        return Trail.passesLater(r.at(r.lo), r.lo, x, passX, rate) ? r.lo : Double.POSITIVE_INFINITY;
    }

    private Ramp containing(double x) {
        Ramp r = byLo.floor(x);
        return r != null && x < r.hi ? r : null;
    }

    /** The stretches, highest first. */
    List<Ramp> descending() {
        List<Ramp> all = new ArrayList<>();
        byLo.forEach(all::add);
        return all.reversed();
    }

    /**
     * The stretches, highest first, {@link #GEOMETRY_STRIDE} doubles each (lo, hi, end, rate,
     * endTime, bytes): kept until the map changes, and never written once returned, so that a
     * snapshot may hold it and read it later.
     */
    double[] geometry() {
        if (geometry == null) {
            double[] g = new double[byLo.size() * GEOMETRY_STRIDE];
            int[] next = {g.length}; // filled from the end: highest first
            byLo.forEach(r -> {
                int i = next[0] -= GEOMETRY_STRIDE;
                g[i] = r.lo;
                g[i + 1] = r.hi;
                g[i + 2] = r.end;
                g[i + 3] = r.rate;
                g[i + 4] = r.endTime;
                g[i + 5] = r.bytes;
            });
            geometry = g;
        }
        return geometry;
    }

    /**
     * Forgets the stretches passed before the L2 exchanged {@code dead} more bytes with DRAM
     * than it has now: nothing they hold can still be in the cache. True when any was forgotten.
     */
    boolean forgetOlderThan(double dramNow, double dead) {
        if (!(dramNow - oldestDram > dead)) {
            return false; // none is that old
        }
        boolean forgot = byLo.removeIf(r -> dramNow - r.dramAtEnd > dead);
        if (forgot) {
            geometry = null;
        }
        double[] oldest = {Double.POSITIVE_INFINITY};
        byLo.forEach(r -> oldest[0] = Math.min(oldest[0], r.dramAtEnd));
        oldestDram = oldest[0];
        return forgot;
    }

    /** Trail {@code t}, done, passed its items; the L2 has exchanged {@code dram} bytes with DRAM so far. */
    void add(Trail t, double dram) {
        add(t.start, t.end, t.beginTime, t.endTime, t.rate, t.bytes, dram);
    }

    /**
     * Items {@code start .. end} were passed from {@code begin} to {@code endTime} at {@code rate}
     * items per cycle, {@code bytes} per item; the L2 has exchanged {@code dram} bytes with DRAM so far.
     */
    void add(double start, double end, double begin, double endTime, double rate, double bytes, double dram) {
        if (!(end > start)) {
            return;
        }
        Ramp fresh = new Ramp(start, end, begin, endTime, end, rate, bytes, dram);
        geometry = null;
        oldestDram = Math.min(oldestDram, dram);
        List<Ramp> pieces = new ArrayList<>();
        Ramp first = byLo.floor(start);
        double from = first != null && first.hi > start ? first.lo : start;
        List<Ramp> overlapped = byLo.between(from, end);
        double cursor = start;
        for (Ramp old : overlapped) {
            byLo.remove(old.lo);
            if (old.lo < start) {
                pieces.add(old.cut(old.lo, start));
            }
            if (old.lo > cursor) {
                pieces.add(fresh.cut(cursor, old.lo));
            }
            double a = Math.max(old.lo, start);
            double b = Math.min(old.hi, end);
            later(fresh, old, a, b, pieces);
            if (old.hi > end) {
                pieces.add(old.cut(end, old.hi));
            }
            cursor = b;
        }
        if (cursor < end) {
            pieces.add(fresh.cut(cursor, end));
        }
        put(pieces);
    }

    /** Adds to {@code pieces} items {@code a .. b}, each with whichever of the two trails passed it later (the fresh one on ties). */
    private static void later(Ramp fresh, Ramp old, double a, double b, List<Ramp> pieces) {
        boolean freshFirst = fresh.at(a) >= old.at(a);
        boolean freshLast = fresh.at(b) >= old.at(b);
        if (freshFirst == freshLast) {
            pieces.add((freshFirst ? fresh : old).cut(a, b));
            return;
        }
        // Each trail's pass times are convex in x, so the two cross at most twice; with different
        // winners at the ends, bisection finds a crossing (a second one, rarer, is let go).
        double lo = a;
        double hi = b;
        for (int i = 0; i < CROSSING_STEPS; i++) {
            double mid = 0.5 * (lo + hi);
            if ((fresh.at(mid) >= old.at(mid)) == freshFirst) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        pieces.add((freshFirst ? fresh : old).cut(a, hi));
        pieces.add((freshFirst ? old : fresh).cut(hi, b));
    }

    /** Puts consecutive stretches in place, joining neighbours of one trail. */
    private void put(List<Ramp> pieces) {
        Ramp run = null;
        Ramp left = pieces.isEmpty() ? null : byLo.lower(pieces.getFirst().lo);
        if (left != null && left.hi == pieces.getFirst().lo && left.sameTrail(pieces.getFirst())) {
            run = left;
            byLo.remove(run.lo);
        }
        for (Ramp p : pieces) {
            if (p.hi <= p.lo) {
                continue;
            }
            if (run != null && run.hi == p.lo && run.sameTrail(p)) {
                run = run.cut(run.lo, p.hi);
            } else {
                if (run != null) {
                    byLo.put(run);
                }
                run = p;
            }
        }
        if (run != null) {
            Ramp right = byLo.ceiling(run.hi);
            if (right != null && right.lo == run.hi && right.sameTrail(run)) {
                byLo.remove(right.lo);
                run = run.cut(run.lo, right.hi);
            }
            byLo.put(run);
        }
    }
}
