package io.attnkit.sim.l2;

import io.attnkit.sim.gpu.Access;
import io.attnkit.sim.gpu.Segment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The L2 as a reuse model over sweeps, so that a run of thousands of tiles costs one look-up
 * instead of thousands. Every reused access of a chunk is a <em>trail</em>: a CTA sweeping
 * items {@code start, start + 1, ...} of an object at its current rate. The last time any
 * trail passed an item follows from the trails' positions; the bytes touched since then (the
 * stack distance: distinct items only) are the union of what every trail swept in that window
 * plus the never-reused bytes of the {@link PointLog}; the {@link HitCurve} of the
 * set-associative cache turns the distance into a hit probability.
 *
 * <p>Stack distances are computed exactly at lags spaced by a factor 2^(1/8) and interpolated
 * in between. A chunk's hit fractions are computed when it begins and again at every snapshot of all
 * trails, taken every {@code refreshEvents} events (0: every time about half of the chunks in
 * flight have changed). The model is exact for a fully associative LRU when rates stay
 * constant over a reuse window; the tests hold it to {@link ExactL2} on the same launches.
 */
public final class StreamReuseL2 implements L2Model {
    private static final int MAX_FINISHED_PER_OBJECT = 64;
    private static final int MIN_REFRESH = 8;
    /** Points per doubling of the lag at which stack distances are computed exactly. */
    private static final int GRID_PER_OCTAVE = 8;
    /** Lags up to 2^48 cycles. */
    private static final int GRID_POINTS = 48 * GRID_PER_OCTAVE + 1;

    private final HitCurve curve;
    private final int refreshEvents;
    private final List<Trails> byObject;
    private final List<Flow> active = new ArrayList<>();
    private final PointLog points = new PointLog();
    private long events;
    private long sinceRefresh;
    private long refreshes;
    private long sequence;
    private double dramBytes;

    // Snapshot: trails of all objects, grouped by object, each group sorted by upper end, highest first.
    private boolean snapped;
    private double snapTime;
    private int snapSize;
    private int[] snapObjectEnd = new int[16];
    private int snapObjects;
    private double[] hi = new double[64];
    private double[] lo = new double[64];
    private double[] rate = new double[64];
    private double[] age = new double[64];
    private double[] bytes = new double[64];
    private final double[] grid = new double[GRID_POINTS]; // stack distance at grid lags, NaN until needed

    /**
     * @param objects       objects of the address space (ids {@code 0 .. objects - 1})
     * @param refreshEvents events between snapshots; 0 adapts it to the chunks in flight
     */
    public StreamReuseL2(HitCurve curve, int objects, int refreshEvents) {
        if (refreshEvents < 0) {
            throw new IllegalArgumentException("refreshEvents must not be negative");
        }
        this.curve = curve;
        this.refreshEvents = refreshEvents;
        this.byObject = new ArrayList<>(objects);
        for (int i = 0; i < objects; i++) {
            byObject.add(new Trails());
        }
    }

    /** The trails of one object: those in flight (in position order after each snapshot), and those done. */
    private static final class Trails {
        final List<Trail> active = new ArrayList<>();
        final List<Trail> finished = new ArrayList<>();

        boolean isEmpty() {
            return active.isEmpty() && finished.isEmpty();
        }
    }

    /** A reused access in flight or done: items {@code start .. end - 1} swept by one chunk. */
    private static final class Trail {
        static final Comparator<Trail> BY_END_DESCENDING = Comparator.comparingDouble((Trail t) -> -t.end)
                .thenComparingLong(t -> t.seq);

        final long seq;
        final int object;
        final double start;
        final boolean write;
        final double beginTime;
        double bytes; // per item, companions' included
        Flow owner; // null once done
        int slot; // index in its object's active list
        double end;
        double endTime;
        double rate;
        double dramAtEnd;

        Trail(long seq, int object, double start, double bytes, boolean write, double beginTime, Flow owner) {
            this.seq = seq;
            this.object = object;
            this.start = start;
            this.bytes = bytes;
            this.write = write;
            this.beginTime = beginTime;
            this.owner = owner;
        }

        double position(double now) {
            return owner == null ? end : start + owner.progress.stepsDone(now);
        }

        double itemsPerCycle() {
            return owner == null ? rate : owner.progress.stepsPerCycle();
        }

        /** When this trail passed item {@code x}, assuming it did. */
        double passTime(double x, double now) {
            double r = itemsPerCycle();
            double pos = position(now);
            double t = owner == null ? endTime : now;
            double back = r > 0 ? (pos - x) / r : 0;
            return Math.max(beginTime, t - back);
        }

        /**
         * True when this trail has touched item {@code floor(x)} before {@code other}, which is
         * about to: it started at or before x and is past it (or level with it and older).
         */
        boolean passed(double x, Trail other, double now) {
            if (start > x) {
                return false;
            }
            if (owner == null) {
                return end > x;
            }
            double pos = position(now);
            return pos > x || pos == x && seq < other.seq;
        }
    }

    private static final class Flow implements Chunk {
        final Segment segment;
        final long steps;
        final Progress progress;
        final Trail[] trails; // null for accesses never reused and for companions
        final boolean[] companion;
        final double[] hit;
        int index;

        Flow(Segment segment, long steps, Progress progress) {
            this.segment = segment;
            this.steps = steps;
            this.progress = progress;
            int n = segment.accesses().size();
            this.trails = new Trail[n];
            this.companion = new boolean[n];
            this.hit = new double[n];
        }
    }

    @Override
    public long maxChunkSteps() {
        return Long.MAX_VALUE;
    }

    @Override
    public Chunk begin(Segment segment, long from, long steps, double now, Progress progress) {
        Flow flow = new Flow(segment, steps, progress);
        List<Access> accesses = segment.accesses();
        Trail lead = null;
        for (int i = 0; i < accesses.size(); i++) {
            Access a = accesses.get(i);
            if (!a.reused()) {
                lead = null;
                continue;
            }
            if (a.companion() && lead != null) {
                // Same items, same times, same CTAs: one trail carries both objects' bytes.
                flow.companion[i] = true;
                lead.bytes += a.itemBytes();
                continue;
            }
            Trail t = new Trail(sequence++, a.object(), a.firstItem() + from, a.itemBytes(), a.write(), now, flow);
            flow.trails[i] = t;
            List<Trail> list = byObject.get(a.object()).active;
            t.slot = list.size();
            list.add(t);
            lead = t;
        }
        if (!snapped) {
            snapshot(now);
        }
        for (int i = 0; i < flow.trails.length; i++) {
            if (flow.trails[i] != null) {
                double lag = lastTouch(flow.trails[i], now, false);
                flow.hit[i] = Double.isNaN(lag) ? 0 : hitAfter(lag);
            }
        }
        copyCompanions(flow);
        flow.index = active.size();
        active.add(flow);
        return flow;
    }

    @Override
    public void end(Chunk chunk, double now) {
        Flow flow = (Flow) chunk;
        List<Access> accesses = flow.segment.accesses();
        for (int i = 0; i < accesses.size(); i++) {
            Trail t = flow.trails[i];
            if (t == null) {
                if (!flow.companion[i]) {
                    points.add(now, (double) accesses.get(i).itemBytes() * flow.steps);
                }
                continue;
            }
            t.end = t.start + flow.steps;
            t.endTime = now;
            double duration = now - t.beginTime;
            t.rate = duration > 0 ? flow.steps / duration : Double.POSITIVE_INFINITY;
            t.dramAtEnd = dramBytes;
            t.owner = null;
            Trails trails = byObject.get(t.object);
            Trail last = trails.active.removeLast();
            if (last != t) {
                trails.active.set(t.slot, last);
                last.slot = t.slot;
            }
            trails.finished.add(t);
        }
        Flow last = active.removeLast();
        if (last != flow) {
            active.set(flow.index, last);
            last.index = flow.index;
        }
    }

    @Override
    public void hits(Chunk chunk, double now, double[] out) {
        double[] hit = ((Flow) chunk).hit;
        System.arraycopy(hit, 0, out, 0, hit.length);
    }

    @Override
    public boolean refresh(double now, double dram) {
        dramBytes = dram;
        events++;
        long period = refreshEvents > 0 ? refreshEvents : Math.max(MIN_REFRESH, active.size() / 2);
        if (++sinceRefresh < period) {
            return false;
        }
        sinceRefresh = 0;
        snapshot(now);
        if (++refreshes % 4 == 0) {
            prune(now);
        }
        reassess(now);
        return true;
    }

    /** New hit fractions for every chunk in flight, from the snapshot just taken. */
    private void reassess(double now) {
        for (Flow f : active) {
            for (int i = 0; i < f.trails.length; i++) {
                Trail t = f.trails[i];
                if (t != null) {
                    double lag = lastTouch(t, now, true);
                    f.hit[i] = Double.isNaN(lag) ? 0 : hitAfter(lag);
                }
            }
            copyCompanions(f);
        }
    }

    /**
     * Hit probability of an item last touched {@code lag} cycles ago. The stack distance is a
     * nondecreasing, piecewise linear function of the lag; it is computed exactly at lags
     * {@code 2^(i/8)} cycles when first needed for a snapshot, and interpolated in between.
     */
    private double hitAfter(double lag) {
        if (lag <= 1) {
            return curve.hit(distance(lag));
        }
        double position = Math.log(lag) / Math.log(2) * GRID_PER_OCTAVE;
        int i = (int) position;
        if (i + 1 >= grid.length) {
            return curve.hit(distance(lag));
        }
        double lo = gridDistance(i);
        double hi = gridDistance(i + 1);
        double f = (lag - gridLag(i)) / (gridLag(i + 1) - gridLag(i));
        return curve.hit(lo + (hi - lo) * f);
    }

    private double gridDistance(int i) {
        if (Double.isNaN(grid[i])) {
            grid[i] = distance(gridLag(i));
        }
        return grid[i];
    }

    private static double gridLag(int i) {
        return Math.pow(2, (double) i / GRID_PER_OCTAVE);
    }

    private static void copyCompanions(Flow flow) {
        for (int i = 1; i < flow.hit.length; i++) {
            if (flow.companion[i]) {
                flow.hit[i] = flow.hit[i - 1];
            }
        }
    }

    /**
     * Cycles since another trail last touched the item {@code self} is about to, or NaN when
     * none did. Candidates are the finished trails of the object and, right after a snapshot
     * ({@code sorted}), the nearest active trail ahead; otherwise every active trail.
     */
    private double lastTouch(Trail self, double now, boolean sorted) {
        double x = self.position(now);
        Trails trails = byObject.get(self.object);
        double best = Double.NEGATIVE_INFINITY;
        if (sorted) {
            for (int k = self.slot - 1; k >= 0; k--) {
                Trail t = trails.active.get(k);
                if (t.passed(x, self, now) && (!self.write || t.write)) {
                    best = t.passTime(x, now);
                    break;
                }
            }
        } else {
            for (Trail t : trails.active) {
                if (t != self && t.passed(x, self, now) && (!self.write || t.write)) {
                    best = Math.max(best, t.passTime(x, now));
                }
            }
        }
        for (Trail t : trails.finished) {
            // A write finds only writes: a line stays dirty whoever reads it since.
            if (t.passed(x, self, now) && (!self.write || t.write)) {
                best = Math.max(best, t.passTime(x, now));
            }
        }
        return best == Double.NEGATIVE_INFINITY ? Double.NaN : now - best;
    }

    /** Stack distance, in bytes, of an item last touched {@code lag} cycles before the snapshot. */
    private double distance(double lag) {
        return points.since(snapTime - lag) + distinctBytes(lag);
    }

    /**
     * Distinct bytes the trails of the snapshot swept in the {@code lag} cycles before it. With
     * an object's windows sorted by upper end, the part of window k not covered by the windows
     * above it is {@code [low_k, min(hi_k, lowest low above)]}, so one pass gives the union.
     */
    private double distinctBytes(double lag) {
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
    private void snapshot(double now) {
        snapped = true;
        Arrays.fill(grid, Double.NaN);
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

    /**
     * Drops finished trails that can no longer be the last to have touched an item: those
     * swept again since by another trail, those older than twice the distance at which nothing
     * survives (measured in bytes the L2 has exchanged with DRAM since), and the oldest beyond
     * a bound per object.
     */
    private void prune(double now) {
        double dead = 2 * curve.deadDistance();
        for (Trails trails : byObject) {
            List<Trail> finished = trails.finished;
            if (finished.isEmpty()) {
                continue;
            }
            finished.sort(Comparator.comparingDouble((Trail t) -> t.endTime).thenComparingLong(t -> t.seq));
            int kept = 0;
            for (int i = finished.size() - 1; i >= 0; i--) {
                Trail t = finished.get(i);
                if (dramBytes - t.dramAtEnd > dead || kept >= MAX_FINISHED_PER_OBJECT || supersededBy(t, trails, now)) {
                    finished.remove(i);
                } else {
                    kept++;
                }
            }
        }
    }

    /** True when another trail swept all of {@code f}'s items after {@code f} did. */
    private static boolean supersededBy(Trail f, Trails trails, double now) {
        for (Trail g : trails.active) {
            if (covers(g, f, now)) {
                return true;
            }
        }
        for (Trail g : trails.finished) {
            if (g != f && covers(g, f, now)) {
                return true;
            }
        }
        return false;
    }

    private static boolean covers(Trail g, Trail f, double now) {
        // A later write hides everything before it; a later read hides only reads (a dirty line stays dirty).
        return g.start <= f.start && g.position(now) >= f.end && (g.write || !f.write)
                && g.passTime(f.start, now) > f.passTime(f.start, now)
                && g.passTime(f.end, now) > f.passTime(f.end, now);
    }
}
