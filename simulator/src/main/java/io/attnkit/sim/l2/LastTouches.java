package io.attnkit.sim.l2;

import java.util.ArrayList;
import java.util.List;

/**
 * The look-up at the heart of {@link StreamReuseL2}: for a trail about to touch an item, which
 * other trail or done pass touched it last and how long ago, which trails move level with it
 * (its convoy, sharing its fetches), and how far it may go before that answer can change.
 */
final class LastTouches {
    private final TrailsByObject byObject;
    private double edge; // left by lag: the lowest item above its x where its answer may jump
    private final List<Trail> convoy = new ArrayList<>(); // left by lag: the trails level with it
    private long convoyStamp; // marks the members of the convoy being gathered
    private double convoyLo; // left by gatherConvoy: the span of the convoy's positions
    private double convoyHi;

    LastTouches(TrailsByObject byObject) {
        this.byObject = byObject;
    }

    /** The lowest item above the last look-up's position where its answer may change (an unsorted look-up's). */
    double edge() {
        return edge;
    }

    /** The trails level with the last look-up's trail, itself excluded; valid until the next look-up. */
    List<Trail> convoy() {
        return convoy;
    }

    /**
     * Cycles since another trail last touched the item {@code self} is about to, or NaN when
     * none did; trails level with it are its convoy ({@code self.convoy}, listed in
     * {@link #convoy}) and share its fetches instead. Candidates are the done trails' last
     * passes and, right after a snapshot ({@code sorted}), the nearest active trail ahead;
     * otherwise every active trail.
     */
    double lag(Trail self, double now, boolean sorted) {
        double x = self.position(now);
        Trails trails = byObject.get(self.object);
        List<Trail> active = trails.active;
        gatherConvoy(self, x, now, active, sorted);
        double best = Double.NEGATIVE_INFINITY;
        Trail followed = null;
        if (sorted) {
            // In position order: the convoy sits next to self, the trail it follows above it.
            for (int k = self.slot - 1; k >= 0; k--) {
                Trail t = active.get(k);
                if ((!self.write || t.write) && t.convoyMark != convoyStamp && !alongConvoy(t, x, now) && t.passed(x, self, now)) {
                    best = t.passTime(x, now);
                    followed = t;
                    break;
                }
            }
        } else {
            for (int k = 0; k < active.size(); k++) {
                Trail t = active.get(k);
                // The cheap tests first: passed() asks the CTA where it is.
                if (t == self || self.write && !t.write || t.start > x || t.convoyMark == convoyStamp || alongConvoy(t, x, now)) {
                    continue;
                }
                if (t.passed(x, self, now)) {
                    double pass = t.passTime(x, now);
                    if (pass > best) {
                        best = pass;
                        followed = t;
                    }
                }
            }
        }
        self.convoy = 1 + convoy.size();
        // A write finds only writes: a line stays dirty whoever reads it since.
        double done = trails.latestPass(x, self.write);
        boolean ownedByDone = done > best;
        double end = Double.POSITIVE_INFINITY;
        double rate = 0;
        if (ownedByDone) {
            best = done;
            rate = trails.rateAt(x, self.write);
        } else if (followed != null) {
            end = followed.end;
            rate = followed.itemsPerCycle();
        }
        self.followX = x;
        self.followPass = best == Double.NEGATIVE_INFINITY ? Double.NaN : best;
        self.followRate = rate;
        if (!sorted) {
            edge = Math.min(end, trails.nextEdge(self, x, ownedByDone));
            edge = Math.min(edge, convoyEdge(self, x, ownedByDone ? null : followed, now));
        }
        return Double.isNaN(self.followPass) ? Double.NaN : now - best;
    }

    /**
     * Lists in {@link #convoy} (and marks) the trails of self's kind that cover {@code x} and
     * are chained to self by level neighbours, each within {@link Trail#levelReach} of the
     * next. The closure, not plain nearness: every member must count the same convoy, or the
     * shares of a fetch would not add up to one (three CTAs in a row, the outer two each
     * counting two and the middle one three, would pay five sixths of it).
     */
    private void gatherConvoy(Trail self, double x, double now, List<Trail> active, boolean sorted) {
        convoy.clear();
        convoyStamp++;
        self.convoyMark = convoyStamp;
        double r = self.itemsPerCycle();
        convoyLo = x;
        convoyHi = x;
        if (sorted) { // neighbours in position order, upwards then downwards
            for (int dir = -1; dir <= 1; dir += 2) {
                double at = x;
                for (int k = self.slot + dir; k >= 0 && k < active.size(); k += dir) {
                    Trail t = active.get(k);
                    if (t.write != self.write || t.start > x || x >= t.end) {
                        continue;
                    }
                    double p = t.position(now);
                    if (Math.abs(p - at) > Trail.levelReach(x, r, t.itemsPerCycle())) {
                        break;
                    }
                    t.convoyMark = convoyStamp;
                    convoy.add(t);
                    at = p;
                    convoyLo = Math.min(convoyLo, p);
                    convoyHi = Math.max(convoyHi, p);
                }
            }
            return;
        }
        for (boolean grew = true; grew; ) { // widen the span until no trail within reach of it is left out
            grew = false;
            for (int k = 0; k < active.size(); k++) {
                Trail t = active.get(k);
                if (t.convoyMark == convoyStamp || t.write != self.write || t.start > x || x >= t.end) {
                    continue;
                }
                double p = t.position(now);
                double reach = Trail.levelReach(x, r, t.itemsPerCycle());
                if (p >= convoyLo - reach && p <= convoyHi + reach) {
                    t.convoyMark = convoyStamp;
                    convoy.add(t);
                    convoyLo = Math.min(convoyLo, p);
                    convoyHi = Math.max(convoyHi, p);
                    grew = true;
                }
            }
        }
    }

    /**
     * True when {@code t}, a trail of the other kind, moves along the convoy just gathered: the
     * writes of a read-modify-write (atomics into an accumulator) level with its reads. They
     * touch the lines in the same wave as the reads, so they are no earlier fetch to ride on;
     * members that followed them would each find a hit while the one that did not paid only its
     * share of the fetch.
     */
    private boolean alongConvoy(Trail t, double x, double now) {
        if (convoy.isEmpty()) {
            return false;
        }
        double p = t.position(now);
        double reach = Trail.levelReach(x, t.itemsPerCycle(), t.itemsPerCycle());
        return p >= convoyLo - reach && p <= convoyHi + reach;
    }

    /**
     * The lowest item above {@code x} where {@code self}'s convoy may change: a member ends or
     * drifts out of reach, or {@code self} catches up with the trail it follows and joins it.
     * Without this a CTA riding on another's fetches would overtake it at full hit until the
     * next snapshot, while the other went on paying DRAM for the same items.
     */
    private double convoyEdge(Trail self, double x, Trail followed, double now) {
        double r = self.itemsPerCycle();
        double next = Double.POSITIVE_INFINITY;
        for (Trail m : convoy) {
            next = Math.min(next, m.end);
            double apart = Math.abs(m.itemsPerCycle() - r);
            if (apart > 0 && r > 0) {
                double band = 2 * Trail.CONVOY_CYCLES * Math.max(r, m.itemsPerCycle());
                next = Math.min(next, x + r * band / apart);
            }
        }
        double gap = followed == null ? 0 : followed.position(now) - x;
        if (gap > 0 && r > followed.itemsPerCycle()) {
            double catchUp = x + r * gap / (r - followed.itemsPerCycle());
            if (catchUp < followed.end) {
                next = Math.min(next, catchUp);
            }
        }
        return next;
    }
}
