package io.attnkit.sim.l2;

import io.attnkit.sim.gpu.Access;
import io.attnkit.sim.gpu.Segment;
import java.util.ArrayList;
import java.util.List;

/**
 * The L2 as a reuse model over sweeps, so that a run of thousands of tiles costs one look-up
 * instead of thousands. Every reused access of a chunk is a <em>trail</em>: a CTA sweeping
 * items {@code start, start + 1, ...} of an object at its current rate. The last time any
 * trail passed an item follows from the positions of those in flight and, for those done, from
 * each object's {@link PassMap}; the bytes touched since then (the
 * stack distance: distinct items only) are the union of what every trail swept in that window
 * plus the never-reused bytes of the {@link PointLog}; the {@link HitCurve} of the
 * set-associative cache turns the distance into a hit probability.
 *
 * <p>{@link ReuseDistances} does the last step, from a lag to a hit probability. A chunk's hit
 * fractions are computed when it begins, again at every snapshot of all trails, taken every
 * {@code refreshEvents} events (0: every time about half of the chunks in flight have changed),
 * and in between when it reaches an item where the trail it follows stops or another starts
 * (its wake, an event of the engine's own, timed by the {@link WakeQueue}); snapshots also come
 * due by time, when the stack distances may have drifted ({@link SnapshotClock}). The model is exact for a fully associative LRU when
 * rates stay constant over a reuse window; the tests hold it to {@link ExactL2} on the same launches.
 *
 * <p>A strided access (a GEMM walking a column of a matrix written row by row) follows no
 * trail: each of its items was last passed at its own time. It is priced from the last passes of
 * a sample of the items it has left ({@link #stridedHit}), and the items it passed join its
 * object's {@link PassMap}, one by one, at every snapshot and when its chunk ends ({@link #recordStrided}).
 */
public final class StreamReuseL2 implements L2Model {
    private static final int MIN_REFRESH = 8;
    private static final double HIT_TOLERANCE = 1e-3;
    /** The most items of a strided access whose last passes price its next steps. */
    private static final int STRIDED_SAMPLES = 16;
    /** Snapshots between checks of first touches (they cost the bytes only, not the time). */
    private static final int CHECK_SNAPSHOTS = 4;

    private final HitCurve curve;
    private final int refreshEvents;
    private final TrailsByObject byObject;
    private final LastTouches lastTouches;
    private final List<Flow> active = new ArrayList<>();
    private final PointLog points = new PointLog();
    private long events;
    private long sinceRefresh;
    private long refreshes;
    private final SnapshotClock clock;
    private long sequence;
    private double dramBytes;
    private final FirstTouches firstTouches;
    private final WakeQueue wakes = new WakeQueue();
    private final List<Progress> reassessed = new ArrayList<>();

    private final ReuseDistances distances;

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
        this.byObject = new TrailsByObject(objects);
        this.lastTouches = new LastTouches(byObject);
        this.firstTouches = new FirstTouches(byObject, objects);
        this.distances = new ReuseDistances(curve, points);
        this.clock = new SnapshotClock(curve);
    }

    @Override
    public long maxChunkSteps() {
        return Long.MAX_VALUE;
    }

    @Override
    public Chunk begin(Segment segment, long from, long steps, double now, Progress progress) {
        Flow flow = new Flow(segment, from, steps, now, progress);
        List<Access> accesses = segment.accesses();
        Trail lead = null;
        for (int i = 0; i < accesses.size(); i++) {
            Access a = accesses.get(i);
            if (!a.reused()) {
                flow.pointBytesPerStep += a.itemBytes();
                lead = null;
                continue;
            }
            if (!a.consecutive()) {
                flow.strided[i] = true;
                flow.anyStrided = true;
                flow.recordedAt = now;
                lead = null;
                continue;
            }
            if (a.companion() && lead != null) {
                // Same items, same times, same CTAs: one trail carries both objects' bytes.
                flow.companion[i] = true;
                lead.bytes += a.itemBytes();
                continue;
            }
            Trail t = new Trail(sequence++, a.object(), a.firstItem() + from, a.firstItem() + from + steps, a.itemBytes(), a.write(),
                    now, progress);
            t.chunk = flow;
            flow.trails[i] = t;
            byObject.begin(t);
            lead = t;
        }
        if (!distances.taken()) {
            takeDistances(now);
        }
        assessAlone(flow, now);
        for (Trail t : flow.trails) {
            if (t != null) {
                wakeTrailsBehind(t, now);
            }
        }
        flow.index = active.size();
        active.add(flow);
        return flow;
    }

    @Override
    public void end(Chunk chunk, double now) {
        Flow flow = (Flow) chunk;
        flow.done = true;
        recordStrided(flow, flow.steps, now);
        List<Access> accesses = flow.segment.accesses();
        for (int i = 0; i < accesses.size(); i++) {
            Trail t = flow.trails[i];
            if (flow.strided[i]) {
                continue; // recorded above
            }
            if (t == null) {
                if (!flow.companion[i]) {
                    points.add(now, (double) accesses.get(i).itemBytes() * flow.steps);
                }
                continue;
            }
            firstTouches.record(t, t.end, flow.hit[i], now);
            t.endTime = now;
            double duration = now - t.beginTime;
            t.rate = duration > 0 ? flow.steps / duration : Double.POSITIVE_INFINITY;
            Trails trails = byObject.get(t.object);
            Trail last = trails.active.removeLast();
            if (last != t) {
                trails.active.set(t.slot, last);
                last.slot = t.slot;
            }
            trails.finish(t, dramBytes);
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
        reassessed.clear();
        long period = refreshEvents > 0 ? refreshEvents : Math.max(MIN_REFRESH, active.size() / 2);
        if (++sinceRefresh < period) {
            wakeDue(now);
            return false;
        }
        snapshot(now);
        wakeDue(now);
        return true;
    }

    /** Takes a snapshot of all trails and reassesses every chunk in flight from it. */
    private void snapshot(double now) {
        sinceRefresh = 0;
        takeDistances(now);
        if (++refreshes % 4 == 0) {
            forgetDead();
        }
        checkFirstTouches(now, false);
        clock.snapshotBegins();
        reassess(now);
        clock.snapshotTaken(now);
    }

    private void takeDistances(double now) {
        for (Flow f : active) {
            recordStrided(f, (long) Math.min(f.steps, f.progress.stepsDone(now)), now);
        }
        distances.take(byObject, now);
        InFlightPoints inFlight = distances.inFlight();
        for (Flow f : active) {
            inFlight.add(now - f.beginTime, f.pointBytesPerStep * f.progress.stepsDone(now));
        }
    }

    @Override
    public List<Progress> reassessed() {
        return reassessed;
    }

    /**
     * Reassesses the chunks whose wake time has come: between snapshots a chunk's hit
     * fractions hold only until it reaches an item where the trail it follows stops, or where
     * another trail started (a window one item ahead of it, say). Each look-up finds the next
     * such item and schedules the chunk for when it gets there, at its present rate.
     */
    private void wakeDue(double now) {
        Flow f;
        while ((f = wakes.pollDue(now)) != null) {
            for (int i = 0; i < f.trails.length; i++) {
                Trail t = f.trails[i];
                if (t != null) { // what it passed so far, at the hit fraction it had
                    firstTouches.record(t, t.position(now), f.hit[i], now);
                }
            }
            double[] before = f.hit.clone();
            assessAlone(f, now);
            for (Trail t : f.trails) {
                if (t != null) {
                    wakeTrailsBehind(t, now);
                }
            }
            if (movedApart(before, f.hit)) {
                reassessed.add(f.progress);
            } else {
                System.arraycopy(before, 0, f.hit, 0, before.length);
                refill(f);
            }
        }
    }

    /** True when a hit fraction moved by more than {@link #HIT_TOLERANCE}: less is not worth the engine's re-rating. */
    private static boolean movedApart(double[] before, double[] after) {
        for (int i = 0; i < before.length; i++) {
            if (Math.abs(after[i] - before[i]) > HIT_TOLERANCE) {
                return true;
            }
        }
        return false;
    }

    /** New hit fractions for {@code flow} from every trail of its objects, and its next wake. */
    private void assessAlone(Flow flow, double now) {
        flow.version++;
        flow.wakeAt = Double.POSITIVE_INFINITY;
        for (int i = 0; i < flow.trails.length; i++) {
            Trail t = flow.trails[i];
            if (flow.strided[i]) {
                flow.hit[i] = stridedHit(flow, i, now);
            }
            if (t != null) {
                double lag = lastTouches.lag(t, now, false);
                flow.hit[i] = hitAfter(lag, t.convoy);
                wakes.ask(flow, t, lastTouches.edge(), now);
                for (Trail m : lastTouches.convoy()) {
                    // A member that counts fewer has not seen t join. Only those: members whose
                    // views differ (a trail just starting or ending) would otherwise wake each
                    // other every cycle. One that leaves is met by each member's own edge.
                    if (m.convoy < t.convoy) {
                        wakes.ask((Flow) m.chunk, m, m.position(now), now);
                    }
                }
            }
        }
        copyCompanions(flow);
        refill(flow);
    }

    /**
     * What a step of {@code f} adds to the stack distances of older items, at its present hit
     * fractions: its misses, reads and writes, and all of a strided access's bytes. A column walk's
     * hits are items an earlier launch passed long before, and touching them moves the distances
     * as new data does; counted as misses only, the snapshots due by time came late and a dK GEMM
     * reading dS by columns read 38.6 MB where the exact cache reads 50.0 (now 47.8).
     */
    private static void refill(Flow f) {
        List<Access> accesses = f.segment.accesses();
        double bytes = 0;
        for (int i = 0; i < accesses.size(); i++) {
            bytes += accesses.get(i).itemBytes() * (f.strided[i] ? 1 : 1 - f.hit[i]);
        }
        f.fillPerStep = bytes;
    }

    /**
     * Wakes the trails in flight that may now ride on {@code t}: those it has overtaken since
     * they last looked (at once), and those still short of its start (when they get there).
     */
    private void wakeTrailsBehind(Trail t, double now) {
        double pos = t.position(now);
        for (Trail u : byObject.get(t.object).active) {
            if (u.chunk == t.chunk || u.write && !t.write) {
                continue;
            }
            double at = u.position(now);
            if (at >= pos || u.end <= t.start || t.levelWith(u, at, now)) {
                continue; // not behind t, or level with it: they share fetches, u does not follow t
            }
            double item = Math.max(at, t.start);
            if (Trail.passesLater(t.passTime(item, now), item, u.followX, u.followPass, u.followRate)) {
                wakes.ask((Flow) u.chunk, u, item, now);
            }
        }
    }

    @Override
    public void rated(double now) {
        double fillRate = 0;
        for (Flow f : active) {
            fillRate += f.fillPerStep * f.progress.stepsPerCycle();
        }
        clock.rated(now, fillRate);
        wakes.time(now);
    }

    @Override
    public double nextWake() {
        return Math.min(wakes.next(), clock.due());
    }

    @Override
    public void awaken(double now) {
        reassessed.clear();
        if (now >= clock.due()) {
            snapshot(now);
            for (Flow f : active) {
                reassessed.add(f.progress);
            }
        }
        wakeDue(now);
    }

    @Override
    public void checkpoint(double now) {
        checkFirstTouches(now, true);
    }

    /**
     * Notes what every trail in flight passed since its last check, at the hit fraction it had,
     * and every {@value #CHECK_SNAPSHOTS} snapshots checks the passes noted since the last time
     * against the touched items: all of them at the launch's end ({@code last}), else those whose
     * fetch window has closed. A decode batch spent a fifth of its time checking at every snapshot.
     */
    private void checkFirstTouches(double now, boolean last) {
        for (Flow f : active) {
            for (int i = 0; i < f.trails.length; i++) {
                Trail t = f.trails[i];
                if (t != null) {
                    firstTouches.record(t, t.position(now), f.hit[i], now);
                }
            }
        }
        if (last) {
            firstTouches.check(Double.POSITIVE_INFINITY);
        } else if (refreshes % CHECK_SNAPSHOTS == 0) {
            firstTouches.check(now);
        }
    }

    /** New hit fractions for every chunk in flight, from the snapshot just taken. */
    private void reassess(double now) {
        for (Flow f : active) {
            for (int i = 0; i < f.trails.length; i++) {
                Trail t = f.trails[i];
                if (t != null) {
                    f.hit[i] = hitAfter(lastTouches.lag(t, now, true), t.convoy);
                } else if (f.strided[i]) {
                    f.hit[i] = stridedHit(f, i, now);
                }
            }
            copyCompanions(f);
            refill(f);
        }
    }

    @Override
    public double takeFirstTouchReads() {
        return firstTouches.takeReads();
    }

    @Override
    public double takeFirstTouchWrites() {
        return firstTouches.takeWrites();
    }

    /** The hit fraction of a trail in a convoy of {@code members} whose last touch was {@code lag} cycles ago (NaN: never). */
    private double hitAfter(double lag, int members) {
        if (Double.isNaN(lag)) {
            return Trail.convoyHit(0, members);
        }
        double d = distances.distanceAfter(lag);
        double h = curve.hit(d);
        clock.note(lag, d, h);
        return Trail.convoyHit(h, members);
    }

    /**
     * The hit fraction of strided access {@code i} of {@code f} from here to its next assessment:
     * the mean, over the next {@value #STRIDED_SAMPLES} items (fewer when fewer are left), of the
     * hit after each item's last pass by a done trail. Trails in flight on the object are not
     * looked at: a launch that walks a matrix's columns reads what an earlier launch wrote along
     * its rows. (Samples spread over all the items left gave the same bytes on the kernels of
     * BENCHMARKS.md; the next ones are those the fraction is charged to.)
     */
    private double stridedHit(Flow f, int i, double now) {
        Access a = f.segment.accesses().get(i);
        Trails trails = byObject.get(a.object());
        long done = Math.min(f.steps - 1, (long) f.progress.stepsDone(now));
        long left = f.steps - done;
        int samples = (int) Math.min(left, STRIDED_SAMPLES);
        double sum = 0;
        for (int k = 0; k < samples; k++) {
            long step = f.from + done + k;
            double pass = trails.latestPass(a.item(step) + 0.5, a.write());
            sum += hitAfter(pass == Double.NEGATIVE_INFINITY ? Double.NaN : now - pass, 1);
        }
        return sum / samples;
    }

    /**
     * Adds the items the strided accesses of {@code f} passed up to step {@code upTo} to their
     * objects' passes, each step at an even share of the time since the last of them. Every
     * snapshot does so before it reads the passes, so that the stack distance holds the items
     * a column walk has touched so far, each once: counted as new bytes while in flight, the
     * items it had just read from the L2 were counted twice (a GEMM reading back P by columns
     * read 6.3 MB where the exact cache reads 3.7); its misses alone, the items it re-touched
     * that other reads' distances had to count were not counted at all (dK = dS^T Q read 36.2
     * MB where the exact cache reads 50.0).
     */
    private void recordStrided(Flow f, long upTo, double now) {
        if (!f.anyStrided || upTo <= f.stridedRecorded) {
            return;
        }
        double step = (now - f.recordedAt) / (upTo - f.stridedRecorded);
        List<Access> accesses = f.segment.accesses();
        for (int i = 0; i < accesses.size(); i++) {
            if (!f.strided[i]) {
                continue;
            }
            Access a = accesses.get(i);
            Trails trails = byObject.markLive(a.object());
            for (long s = f.stridedRecorded; s < upTo; s++) {
                double begin = f.recordedAt + (s - f.stridedRecorded) * step;
                trails.finishItem(a.item(f.from + s), begin, begin + step, a.itemBytes(), a.write(), dramBytes);
            }
        }
        f.stridedRecorded = upTo;
        f.recordedAt = now;
    }

    private static void copyCompanions(Flow flow) {
        for (int i = 1; i < flow.hit.length; i++) {
            if (flow.companion[i]) {
                flow.hit[i] = flow.hit[i - 1];
            }
        }
    }

    /** Forgets what done trails passed longer ago than twice the distance at which nothing survives. */
    private void forgetDead() {
        byObject.forgetOlderThan(dramBytes, 2 * curve.deadDistance(), o -> !firstTouches.pending(o));
    }
}
