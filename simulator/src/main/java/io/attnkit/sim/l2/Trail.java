package io.attnkit.sim.l2;

/**
 * A reused access in flight: items {@code start .. end - 1} swept by one chunk. Once done, what
 * it passed lives on in its object's {@link PassMap}.
 */
final class Trail {
    final long seq;
    final int object;
    final double start;
    final boolean write;
    final double beginTime;
    double bytes; // per item, companions' included
    final L2Model.Progress owner;
    L2Model.Chunk chunk; // the chunk it belongs to
    int slot; // index in its object's active list
    final double end;
    double endTime; // once done, with its mean rate
    double rate;
    // At its last look-up: the item it was at, when the trail it followed had passed that item, and that trail's rate.
    double followX;
    double followPass = Double.NaN;
    double followRate;
    double checked; // items up to here are recorded for the object's touched items
    FirstTouches.Pass lastPass; // the last of those records, and how many checks there had been then
    long lastPassChecks;
    int convoy = 1; // trails level with it at its last look-up, itself included

    Trail(long seq, int object, double start, double end, double bytes, boolean write, double beginTime, L2Model.Progress owner) {
        this.seq = seq;
        this.object = object;
        this.start = start;
        this.end = end;
        this.bytes = bytes;
        this.write = write;
        this.beginTime = beginTime;
        this.owner = owner;
        this.checked = start;
    }

    /** Relative difference of positions below which two trails are level. */
    private static final double LEVEL = 1e-9;

    double position(double now) {
        return start + owner.stepsDone(now);
    }

    double itemsPerCycle() {
        return owner.stepsPerCycle();
    }

    /** Cycles apart within which two trails at the front touch the same lines together. */
    static final double CONVOY_CYCLES = 2;

    long convoyMark; // equal to the model's stamp while it is in the convoy being gathered

    /**
     * How far apart, in items, two trails moving at {@code rateA} and {@code rateB} items a
     * cycle near item {@code x} may be and still sweep it together: less than
     * {@link #CONVOY_CYCLES} apart. Lockstep CTAs (the query heads of one KV head in
     * grouped-query decode) share each fetch: whichever asks first misses, the others merge
     * into that miss and wait for the same fill.
     */
    static double levelReach(double x, double rateA, double rateB) {
        return Math.max(LEVEL * Math.max(1, Math.abs(x)), CONVOY_CYCLES * Math.max(rateA, rateB));
    }

    /** True when this trail covers item {@code x} and can sweep it with {@code other}, which is there now. */
    boolean levelWith(Trail other, double x, double now) {
        return start <= x && x < end
                && Math.abs(position(now) - x) <= levelReach(x, itemsPerCycle(), other.itemsPerCycle());
    }

    /** The hit fraction of each member of a convoy of {@code members} trails when the trail ahead of it left {@code hit}. */
    static double convoyHit(double hit, int members) {
        return 1 - (1 - hit) / members;
    }

    /** When this trail passed item {@code x}, assuming it did. */
    double passTime(double x, double now) {
        double r = itemsPerCycle();
        double back = r > 0 ? (position(now) - x) / r : 0;
        return Math.max(beginTime, now - back);
    }

    /**
     * True when this trail has touched item {@code floor(x)} before {@code other}, which is
     * about to: it started at or before x and is past it (or level with it and older).
     */
    boolean passed(double x, Trail other, double now) {
        if (start > x || x >= end) {
            return false;
        }
        return ahead(this, position(now), other, x);
    }

    /**
     * True when trail {@code a} at {@code posA} is ahead of {@code b} at {@code posB}: further on,
     * or level with it (CTAs in lockstep sit at the same item up to rounding) and older.
     */
    static boolean ahead(Trail a, double posA, Trail b, double posB) {
        double level = LEVEL * Math.max(1, Math.abs(posB));
        return posA > posB + level || posA >= posB - level && a.seq < b.seq;
    }

    /**
     * True when a trail that passed item {@code s} at {@code passS} did so after the trail a
     * CTA at {@code x} follows, which passed x at {@code passX} (NaN: none) moving at
     * {@code rate} items per cycle, passes s.
     */
    static boolean passesLater(double passS, double s, double x, double passX, double rate) {
        return Double.isNaN(passX) || !(rate > 0) || passS > passX + (s - x) / rate;
    }
}
