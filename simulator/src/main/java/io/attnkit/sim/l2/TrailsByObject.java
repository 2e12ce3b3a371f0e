package io.attnkit.sim.l2;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.IntPredicate;

/**
 * The {@link Trails} of every object of the address space, and which of them hold anything. A
 * batch of decode requests has tens of thousands of K/V objects, each swept in one short stretch
 * of the launch: snapshots visit the objects with trails in flight, and forgetting the objects
 * whose oldest pass aged, so their cost follows what moves and not the size of the batch.
 */
final class TrailsByObject {
    /** Made on first use: a decode batch has hundreds of thousands of objects, each used for a moment. */
    private final Trails[] all;
    private final BitSet live = new BitSet();
    /**
     * Objects whose passes changed since the snapshot last looked, as a set and as a list: the
     * set spans every object id, and scanning or clearing it at each snapshot cost more than
     * sorting the few dozen ids a decode batch changes in between.
     */
    private final BitSet changed = new BitSet();
    private int[] changedList = new int[64];
    private int changedCount;
    /** Objects a trail began on since the snapshot last looked, or that had trails in flight then. */
    private final BitSet moving = new BitSet();
    /** Objects holding passes by their oldest, each once ({@code queued}): those forgetting may have work on. */
    private final AgeingQueue ageing = new AgeingQueue();
    private final BitSet queued = new BitSet();

    TrailsByObject(int objects) {
        all = new Trails[objects];
    }

    /** The trails of {@code object}, or null when it holds none: looking must not bring a dropped object back. */
    Trails peek(int object) {
        return all[object];
    }

    Trails get(int object) {
        Trails t = all[object];
        if (t == null) {
            t = new Trails(object, this);
            all[object] = t;
        }
        return t;
    }

    /** Trail {@code t} begins: it joins the trails in flight on its object, which is visited from now on. */
    void begin(Trail t) {
        List<Trail> active = get(t.object).active;
        t.slot = active.size();
        active.add(t);
        live.set(t.object);
        moving.set(t.object);
    }

    /** Notes that the passes of {@code object} changed, for the snapshot to read them again. */
    void passesChanged(int object) {
        if (!changed.get(object)) {
            changed.set(object);
            if (changedCount == changedList.length) {
                changedList = Arrays.copyOf(changedList, 2 * changedCount);
            }
            changedList[changedCount++] = object;
        }
    }

    /** The objects whose passes changed since the last call, in object order; their marks are cleared. */
    int[] takeChangedPasses() {
        int[] out = Arrays.copyOf(changedList, changedCount);
        Arrays.sort(out);
        for (int o : out) {
            changed.clear(o);
        }
        changedCount = 0;
        return out;
    }

    /** {@code object} was passed when the L2 had exchanged {@code dram} bytes with DRAM: its passes age from then. */
    void passAdded(int object, double dram) {
        if (!queued.get(object)) {
            queued.set(object);
            ageing.add(object, dram);
        }
    }

    /** A superset of the objects with trails in flight: the snapshot clears those left with none. */
    BitSet moving() {
        return moving;
    }

    /** The trails of {@code object}, about to hold passes of a strided access: the object is visited from now on. */
    Trails markLive(int object) {
        live.set(object);
        return get(object);
    }

    /** The objects that may hold trails or passes, in object order. */
    Iterable<Trails> live() {
        return () -> new Iterator<>() {
            private int next = live.nextSetBit(0);

            @Override
            public boolean hasNext() {
                return next >= 0;
            }

            @Override
            public Trails next() {
                if (next < 0) {
                    throw new NoSuchElementException();
                }
                Trails t = all[next];
                next = live.nextSetBit(next + 1);
                return t;
            }
        };
    }

    /**
     * Forgets the passes older than {@code dead} bytes of DRAM traffic before {@code dramNow},
     * and drops the objects left with nothing that {@code droppable} allows (kept until then),
     * with the record of the items they touched: a batch of a million
     * decode requests would otherwise keep every request's record to the end of the launch
     * (4.5 GB at a million CTAs). Nothing of a dropped object survives in the L2 (its passes
     * are twice the dead distance old), so an access to it again misses as a first touch would.
     */
    void forgetOlderThan(double dramNow, double dead, IntPredicate droppable) {
        // Each object holding passes is queued by its oldest: those behind the front have nothing to forget.
        AgeingQueue again = new AgeingQueue();
        while (!ageing.isEmpty() && dramNow - ageing.firstDram() > dead) {
            int o = ageing.removeFirst();
            queued.clear(o);
            Trails trails = all[o];
            if (trails == null) {
                continue;
            }
            trails.forgetOlderThan(dramNow, dead);
            if (trails.holdsNothing() && droppable.test(o)) {
                live.clear(o);
                all[o] = null;
            } else if (trails.holdsAnyPass()) {
                again.add(o, trails.oldestPassDram());
            } else if (trails.holdsNothing()) {
                again.add(o, Double.NEGATIVE_INFINITY); // not droppable yet: looked at again at the next call
            } // trails in flight and no pass: queued again when one is done
        }
        while (!again.isEmpty()) {
            double dram = again.firstDram();
            passAdded(again.removeFirst(), dram);
        }
    }
}
