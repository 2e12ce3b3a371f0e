package io.attnkit.sim.l2;

import java.util.ArrayList;
import java.util.List;

/**
 * The trails of one object: those in flight (in position order after each snapshot), and when
 * a done trail last passed each item, of all trails and of the writes alone.
 */
final class Trails {
    /**
     * The writes of an object never written, shared and never added to: three of an attention's
     * four tensors are only read, and a decode batch holds a million objects.
     */
    private static final PassMap NO_WRITES = new PassMap();

    final List<Trail> active = new ArrayList<>(2); // most objects see one or two trails at a time
    /** Items any trail has passed. */
    final TouchedItems touched = new TouchedItems();
    private TouchedItems written;
    private final PassMap passes = new PassMap();
    private PassMap writes = NO_WRITES;
    private final TrailsByObject owner;
    private final int object;

    Trails(int object, TrailsByObject owner) {
        this.object = object;
        this.owner = owner;
    }

    /** Items a write has passed. */
    TouchedItems written() {
        if (written == null) {
            written = new TouchedItems();
        }
        return written;
    }

    private PassMap writesToAdd() {
        if (writes == NO_WRITES) {
            writes = new PassMap();
        }
        return writes;
    }

    boolean isEmpty() {
        return active.isEmpty() && passes.isEmpty();
    }

    /** True when done trails passed any item, reads or writes. */
    boolean holdsPasses() {
        return !passes.isEmpty();
    }

    /** Marks this object's passes as changed, for the snapshot to read them again. */
    void markChanged() {
        owner.passesChanged(object);
    }

    /** True when done trails passed any item, of reads or of writes. */
    boolean holdsAnyPass() {
        return !passes.isEmpty() || !writes.isEmpty();
    }

    /** The DRAM count when the oldest pass held (of reads or of writes) was made; infinite when none is held. */
    double oldestPassDram() {
        return Math.min(passes.oldestDram(), writes.oldestDram());
    }

    /** True when nothing at all is left: no trail in flight and no pass, of reads or of writes. */
    boolean holdsNothing() {
        return isEmpty() && writes.isEmpty();
    }

    /** The stretches of items done trails passed, highest first, as {@link PassMap#geometry}. */
    double[] donePasses() {
        return passes.geometry();
    }

    /** {@code t} is done, when the L2 has exchanged {@code dram} bytes with DRAM. */
    void finish(Trail t, double dram) {
        markChanged();
        owner.passAdded(object, dram);
        passes.add(t, dram);
        if (t.write) {
            writesToAdd().add(t, dram);
        }
    }

    /**
     * One item passed from {@code begin} to {@code end} by a strided access (no trail), when the L2
     * had exchanged {@code dram} bytes with DRAM: a pass and a touch like a done trail's.
     */
    void finishItem(long item, double begin, double end, double bytes, boolean write, double dram) {
        double rate = end > begin ? 1 / (end - begin) : Double.POSITIVE_INFINITY;
        markChanged();
        owner.passAdded(object, dram);
        passes.add(item, item + 1, begin, end, rate, bytes, dram);
        touched.add(item, item + 1);
        if (write) {
            writesToAdd().add(item, item + 1, begin, end, rate, bytes, dram);
            written().add(item, item + 1);
        }
    }

    /** Forgets what done trails passed before the L2 exchanged {@code dead} more bytes with DRAM than {@code dramNow}. */
    void forgetOlderThan(double dramNow, double dead) {
        if (passes.forgetOlderThan(dramNow, dead)) {
            markChanged();
        }
        writes.forgetOlderThan(dramNow, dead);
    }

    /** When a finished trail (a write, when {@code writesOnly}) last passed item x; negative infinity when none did. */
    double latestPass(double x, boolean writesOnly) {
        return (writesOnly ? writes : passes).passAt(x);
    }

    /** Items per cycle of that trail. */
    double rateAt(double x, boolean writesOnly) {
        return (writesOnly ? writes : passes).rateAt(x);
    }

    /**
     * The lowest item above {@code x}, the item {@code self} is at, where the last pass it
     * looks up may jump: the end of the done trails' stretch holding x when that is what
     * {@code self} follows ({@code ownedByDone}), and the start of a trail (done or in flight)
     * that passed its start later than the trail {@code self} follows passes it.
     */
    double nextEdge(Trail self, double x, boolean ownedByDone) {
        double next = (self.write ? writes : passes).edgeAbove(x, ownedByDone, self.followPass, self.followRate);
        for (Trail t : active) {
            if (t != self && t.start > x && t.start < next && (!self.write || t.write)
                    && Trail.passesLater(t.beginTime, t.start, x, self.followPass, self.followRate)) {
                next = t.start;
            }
        }
        return next;
    }
}
