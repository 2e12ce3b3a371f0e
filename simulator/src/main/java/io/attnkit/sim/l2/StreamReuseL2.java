package io.attnkit.sim.l2;

import io.attnkit.sim.gpu.Access;
import io.attnkit.sim.gpu.Segment;
import java.util.ArrayList;
import java.util.Arrays;
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
    /**
     * Done trails kept per object, the most recent first. Sparse and streaming heads leave many
     * short runs on their K/V: at 64 the model forgot most of them (DuoAttention's example read
     * 722 MB where the exact cache reads 430, NSA's 21.0 GB for 3.7); at 512 it reads 429 MB and
     * 8.5 GB, for twice the time on those examples and none on dense ones.
     */
    private static final int MAX_FINISHED_PER_OBJECT = 512;
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
    private double firstTouchReads;
    private double firstTouchWrites;
    private final List<Trail> pendingChecks = new ArrayList<>(); // trails whose passes since their last check are not accounted

    private final TrailSnapshot snapshot = new TrailSnapshot();
    private boolean snapped;
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
            Trail t = new Trail(sequence++, a.object(), a.firstItem() + from, a.itemBytes(), a.write(), now, progress);
            flow.trails[i] = t;
            List<Trail> list = byObject.get(a.object()).active;
            t.slot = list.size();
            list.add(t);
            lead = t;
        }
        if (!snapped) {
            takeSnapshot(now);
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
            t.hitShare = flow.hit[i];
            pendingChecks.add(t);
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
            trails.finish(t);
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
        takeSnapshot(now);
        if (++refreshes % 4 == 0) {
            prune(now);
        }
        checkFirstTouches(now);
        reassess(now);
        return true;
    }

    @Override
    public void checkpoint(double now) {
        checkFirstTouches(now);
    }

    /**
     * Accounts what every trail passed since its last check, the trails that missed first, so
     * that of two trails over the same fresh items the one that fetched them is the one that
     * touched them first.
     */
    private void checkFirstTouches(double now) {
        for (Flow f : active) {
            for (int i = 0; i < f.trails.length; i++) {
                Trail t = f.trails[i];
                if (t != null) {
                    t.hitShare = f.hit[i];
                    t.checkTo = t.position(now);
                    pendingChecks.add(t);
                }
            }
        }
        pendingChecks.sort(Trail.BY_HIT_SHARE);
        for (Trail t : pendingChecks) {
            touch(t, t.owner == null ? t.end : t.checkTo, t.hitShare);
        }
        pendingChecks.clear();
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
     * Accounts the items {@code t} passed since its last check, at hit fraction {@code hit}:
     * those no trail had touched before could not hit. Between snapshots a CTA keeps the hit
     * fraction it had, so one that hit on another's trail can overtake it and "hit" on items
     * nobody fetched; those bytes are compulsory misses, whoever is checked first.
     */
    private void touch(Trail t, double to, double hit) {
        Trails trails = byObject.get(t.object);
        double fresh = trails.touched.add(t.checked, to);
        if (t.write) {
            fresh = trails.written.add(t.checked, to);
        }
        t.checked = Math.max(t.checked, to);
        if (hit > 0 && fresh > 0) {
            if (t.write) {
                firstTouchWrites += fresh * t.bytes * hit;
            } else {
                firstTouchReads += fresh * t.bytes * hit;
            }
        }
    }

    @Override
    public double takeFirstTouchReads() {
        double bytes = firstTouchReads;
        firstTouchReads = 0;
        return bytes;
    }

    @Override
    public double takeFirstTouchWrites() {
        double bytes = firstTouchWrites;
        firstTouchWrites = 0;
        return bytes;
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
            List<Trail> active = trails.active;
            for (int k = 0; k < active.size(); k++) {
                Trail t = active.get(k);
                // The cheap tests first: passed() asks the CTA where it is.
                if (t != self && (!self.write || t.write) && t.start <= x && t.passed(x, self, now)) {
                    best = Math.max(best, t.passTime(x, now));
                }
            }
        }
        // A write finds only writes: a line stays dirty whoever reads it since.
        best = trails.latestPass(x, self.write, best);
        return best == Double.NEGATIVE_INFINITY ? Double.NaN : now - best;
    }

    /** Stack distance, in bytes, of an item last touched {@code lag} cycles before the snapshot. */
    private double distance(double lag) {
        return points.since(snapshot.time() - lag) + snapshot.distinctBytes(lag);
    }

    private void takeSnapshot(double now) {
        snapped = true;
        Arrays.fill(grid, Double.NaN);
        snapshot.take(byObject, now);
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
            List<Trail> finished = trails.finished();
            if (finished.isEmpty()) {
                continue;
            }
            finished.sort(Trail.BY_END_TIME);
            int kept = 0;
            for (int i = finished.size() - 1; i >= 0; i--) {
                Trail t = finished.get(i);
                if (dramBytes - t.dramAtEnd > dead || kept >= MAX_FINISHED_PER_OBJECT || supersededBy(t, trails, now)) {
                    finished.remove(i);
                } else {
                    kept++;
                }
            }
            trails.reindex();
        }
    }

    /** True when another trail swept all of {@code f}'s items after {@code f} did. */
    private static boolean supersededBy(Trail f, Trails trails, double now) {
        double firstPass = f.passTime(f.start, now);
        double lastPass = f.passTime(f.end, now);
        for (Trail g : trails.active) {
            if (covers(g, f, firstPass, lastPass, now)) {
                return true;
            }
        }
        for (Trail g : trails.finished()) {
            if (g != f && covers(g, f, firstPass, lastPass, now)) {
                return true;
            }
        }
        return false;
    }

    /** {@code firstPass} and {@code lastPass}: when {@code f} passed its first and its end item. */
    private static boolean covers(Trail g, Trail f, double firstPass, double lastPass, double now) {
        // A later write hides everything before it; a later read hides only reads (a dirty line stays dirty).
        return g.start <= f.start && (g.write || !f.write) && g.position(now) >= f.end
                && g.passTime(f.start, now) > firstPass
                && g.passTime(f.end, now) > lastPass;
    }
}
