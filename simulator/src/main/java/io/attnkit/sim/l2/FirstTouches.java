package io.attnkit.sim.l2;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The passes of trails over their objects, held until the next check and then set against
 * the items every trail has touched: bytes counted as hits on items no trail had touched
 * before are compulsory misses. A model with piecewise constant hit fractions lets them
 * through when a CTA riding on another's fetches overtakes it. A convoy's hits on fresh items
 * are its members' merged misses, not compulsory ones: only what its hit owes to a trail
 * ahead of it counts.
 */
final class FirstTouches {
    /** Items {@code from .. to} that {@code trail}, in a convoy of {@code members}, passed at hit fraction {@code hit}. */
    private record Pass(Trail trail, double from, double to, double hit, int members) {
        // Sorted stably, so a trail's passes keep their order.
        static final Comparator<Pass> ORDER = (a, b) -> {
            int c = Double.compare(a.hit, b.hit);
            return c != 0 ? c : Long.compare(a.trail.seq, b.trail.seq);
        };
    }

    private final TrailsByObject byObject;
    private final List<Pass> pending = new ArrayList<>();
    private double reads;
    private double writes;

    FirstTouches(TrailsByObject byObject) {
        this.byObject = byObject;
    }

    /** Notes that {@code t} passed the items up to {@code to} at hit fraction {@code hit}. */
    void record(Trail t, double to, double hit) {
        if (to > t.checked) {
            pending.add(new Pass(t, t.checked, to, hit, t.convoy));
            t.checked = to;
        }
    }

    /**
     * Sets every pass noted since the last check against the touched items, those that missed
     * first: of two trails over the same fresh items, the one that fetched them touched them first.
     */
    void check() {
        pending.sort(Pass.ORDER);
        for (Pass p : pending) {
            Trail t = p.trail;
            Trails trails = byObject.get(t.object);
            double fresh = trails.touched.add(p.from, p.to);
            if (t.write) {
                fresh = trails.written.add(p.from, p.to);
            }
            // Each member got hit 1 - (1 - h) / members from the hit h the trail ahead left it;
            // the first to check fresh items owes h for the whole convoy.
            double owed = p.members * (p.hit - Trail.convoyHit(0, p.members));
            if (owed > 0 && fresh > 0) {
                if (t.write) {
                    writes += fresh * t.bytes * owed;
                } else {
                    reads += fresh * t.bytes * owed;
                }
            }
        }
        pending.clear();
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
