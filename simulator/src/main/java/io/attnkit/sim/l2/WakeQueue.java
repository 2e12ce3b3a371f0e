package io.attnkit.sim.l2;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The chunks to reassess before the next snapshot, earliest first. Between snapshots a chunk's
 * hit fractions hold only until one of its trails reaches an item where the trail it follows
 * stops, or where another trail starts; a wake is asked for at that item during an event and
 * timed once the engine has rated the CTAs, at the trail's rate then.
 */
final class WakeQueue {
    /** The least time, in cycles, between a chunk's reassessment and its next wake. */
    static final double MIN_GAP = 1;

    /** Reassess {@code flow} at {@code time}, unless it was reassessed since ({@code version}). */
    private record Wake(double time, long seq, Flow flow, int version) {
        static final Comparator<Wake> ORDER = (a, b) -> {
            int c = Double.compare(a.time, b.time);
            return c != 0 ? c : Long.compare(a.seq, b.seq);
        };

        boolean stale() {
            return flow.done || version != flow.version;
        }
    }

    private record Untimed(Flow flow, Trail trail, double item) {
    }

    private final PriorityQueue<Wake> wakes = new PriorityQueue<>(Wake.ORDER);
    private final List<Untimed> untimed = new ArrayList<>();
    private long count;

    /** Asks for {@code flow} to be reassessed when its trail {@code t} reaches {@code item}, if still ahead of it. */
    void ask(Flow flow, Trail t, double item, double now) {
        double pos = t.position(now);
        if (item < pos || item >= t.end) {
            return;
        }
        untimed.add(new Untimed(flow, t, item));
    }

    /** Times the wakes asked for during this event, at the rates the engine has just given the CTAs. */
    void time(double now) {
        for (Untimed u : untimed) {
            Flow f = u.flow();
            double rate = u.trail().itemsPerCycle();
            if (f.done || !(rate > 0)) {
                continue; // a stalled CTA is looked at again by the next snapshot
            }
            // At least a cycle ahead: a CTA a hair from the item is not woken over and over.
            double time = now + Math.max(MIN_GAP, (u.item() - u.trail().position(now)) / rate);
            if (time < f.wakeAt) {
                f.wakeAt = time;
                wakes.add(new Wake(time, count++, f, f.version));
            }
        }
        untimed.clear();
    }

    /** The next chunk whose wake is due at {@code now}, or null; wakes gone stale are dropped. */
    Flow pollDue(double now) {
        while (!wakes.isEmpty() && wakes.peek().time() <= now) {
            Wake w = wakes.poll();
            if (!w.stale()) {
                return w.flow();
            }
        }
        return null;
    }

    /** The time of the earliest wake still wanted (infinity: none). */
    double next() {
        while (!wakes.isEmpty()) {
            Wake w = wakes.peek();
            if (!w.stale()) {
                return w.time();
            }
            wakes.poll();
        }
        return Double.POSITIVE_INFINITY;
    }
}
