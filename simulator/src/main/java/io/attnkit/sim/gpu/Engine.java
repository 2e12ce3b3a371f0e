package io.attnkit.sim.gpu;

import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.l2.L2Model;
import java.util.ArrayList;
import java.util.List;

/**
 * The GPU as a set of SMs running CTAs, advanced from event to event. Between two events
 * every resident CTA makes steps at a constant rate, so a run of a thousand identical tiles is
 * one interval, not a thousand: its bytes and cycles are charged in closed form. Events are a
 * chunk of steps finishing (a segment, or a single step when the L2 is looked up line by
 * line), a CTA exiting and the next one taking its slot (in a grid's last wave, the slots
 * freed at one instant are filled together, the least loaded SMs first).
 *
 * <p>The rate of a CTA is the least of three bounds: its SM's compute throughput shared with
 * the other resident CTAs (a closed queueing network over the matrix and vector phases, solved
 * by mean-value analysis); the latency bound of its pipeline ({@code stages} loads in flight
 * cover one load latency plus one step); and its share of DRAM and L2 bandwidth (max-min fair
 * water-filling over all CTAs).
 *
 * <p>A CTA is charged lazily, when its rate changes or its chunk ends, and the next event is
 * the top of a heap of completion times: an event costs the logarithm of the resident CTAs
 * plus the work of the SM it touches, except when bandwidth is saturated and every rate moves.
 */
public final class Engine {
    private final Machine machine;
    private final L2Model l2;
    private final long maxChunkSteps;
    private final TraceSink trace;
    private final boolean overlap;
    /** A CPU target's run: its matrix products run on the FMA pipe. */
    private final boolean cpu;
    private double now;
    /**
     * DRAM bytes, L2 bytes and matrix-pipe cycles (the tensor pipe's; a CPU's FMA pipe's, where its
     * matrix products run) of the launches already run: the trace's counters run on across launches.
     */
    private double tracedDram;
    private double tracedL2;
    private double tracedTensor;
    private long ctaSequence;
    /**
     * An instant opens when a CTA ends and lasts this share of that CTA's lifetime (at least a
     * cycle): CTAs that end within it are taken to end together, and once fewer CTAs are left
     * than slots can free in it, their slots are filled together ({@link #fillFreedSlots}).
     * A chosen figure (docs/validation.md, "Choices: simultaneous ends"): the model's CTAs of
     * equal work end within rounding of one another, and their order must not decide the tail.
     */
    static final double SAME_INSTANT_SHARE = 0.01;

    /**
     * @param maxChunkSteps at most this many steps between two looks at a CTA (1: tile by tile,
     *                      for tests that check the closed-form advance against it)
     * @param overlap       whether co-resident CTAs overlap their phases (see {@link #computeCaps})
     */
    public Engine(Machine machine, L2Model l2, long maxChunkSteps, boolean overlap, TraceSink trace) {
        this.machine = machine;
        this.l2 = l2;
        this.maxChunkSteps = Math.max(1, Math.min(maxChunkSteps, l2.maxChunkSteps()));
        this.overlap = overlap;
        this.trace = trace;
        this.cpu = machine.target().kind() == TargetSpec.Kind.CPU;
    }

    /** Current time in cycles. */
    public double now() {
        return now;
    }

    /** State of one launch in flight. */
    private final class Run {
        final Launch launch;
        final int perSm;
        final int warps;
        final ResidentCta[][] slots;
        final int[] resident;
        final boolean[] smDirty;
        final List<Integer> dirtySms = new ArrayList<>();
        final List<ResidentCta> active = new ArrayList<>();
        /** Slots freed at the current instant, {sm, slot}, waiting for the grid's next CTAs. */
        final List<int[]> freed = new ArrayList<>();
        /** The current instant: CTAs that end between these times are taken to end together. */
        double instantStart = Double.NEGATIVE_INFINITY;
        double instantEnd = Double.NEGATIVE_INFINITY;
        final EventHeap<ResidentCta> heap = new EventHeap<>();
        final LaunchCounters c = new LaunchCounters();
        final Sharing sharing = new Sharing();
        long next;
        int busySms;
        long residentWarps;
        double lastTime;
        double dramDemand; // sum of cap x DRAM bytes per step
        double l2Demand; // sum of cap x L2 bytes per step
        boolean bandwidthBound;

        Run(Launch launch, Occupancy occupancy) {
            this.launch = launch;
            this.perSm = occupancy.ctasPerSm();
            this.warps = (launch.threadsPerCta() + 31) / 32;
            this.slots = new ResidentCta[machine.sms()][perSm];
            this.resident = new int[machine.sms()];
            this.smDirty = new boolean[machine.sms()];
        }

        void markDirty(int sm) {
            if (!smDirty[sm]) {
                smDirty[sm] = true;
                dirtySms.add(sm);
            }
        }

        /** Accumulates SM-time counters up to {@code now}. */
        void clock() {
            double dt = now - lastTime;
            if (dt > 0) {
                c.smActive += dt * busySms;
                c.warpCycles += dt * residentWarps;
            }
            lastTime = now;
        }
    }

    /** Runs {@code launch} from the current time to the exit of its last CTA. */
    public LaunchStats run(Launch launch, Occupancy occupancy) {
        double start = now;
        now += machine.launchCycles();
        Run r = new Run(launch, occupancy);
        r.lastTime = now;
        for (int slot = 0; slot < r.perSm && r.next < launch.grid(); slot++) {
            for (int sm = 0; sm < machine.sms() && r.next < launch.grid(); sm++) {
                place(r, sm, slot);
            }
        }
        updateRates(r);
        l2.rated(now);
        trace.counters(start, tracedDram, tracedL2, tracedTensor);
        trace.counters(now, tracedDram, tracedL2, tracedTensor); // nothing moves while the launch starts
        while (r.heap.size() > 0 || !r.freed.isEmpty()) {
            ResidentCta cta = r.heap.peek();
            if (!r.freed.isEmpty() && (cta == null || cta.eventTime > r.instantEnd)) {
                // No CTA ends in this instant any more: fill now, before an L2 wake moves the clock.
                // The new CTAs' reuse surfaces through nextWake() like any other's.
                fillFreedSlots(r);
                updateRates(r);
                l2.rated(now);
                continue;
            }
            double wake = l2.nextWake();
            if (wake < cta.eventTime) {
                // A CTA reaches an item where the L2's answer changes: only its hit fractions move.
                now = Math.max(now, wake);
                r.clock();
                r.c.events++;
                l2.awaken(now);
                rehit(r, l2.reassessed());
                updateRates(r);
                l2.rated(now);
                continue;
            }
            now = Math.max(now, cta.eventTime);
            r.clock();
            r.heap.remove(cta);
            sync(cta, r.c);
            r.c.events++;
            settle(cta, r.c);
            retire(r, cta);
            if (l2.refresh(now, r.c.dramRead + r.c.dramWrite)) {
                for (ResidentCta a : r.active) {
                    sync(a, r.c);
                    a.readHits(l2, now, machine);
                    r.markDirty(a.sm);
                }
            } else {
                rehit(r, l2.reassessed());
            }
            r.c.firstTouches(l2.takeFirstTouchReads(), l2.takeFirstTouchWrites());
            updateRates(r);
            l2.rated(now);
            if (trace.wantsCounters(r.c.events)) {
                sampleCounters(r);
            }
        }
        l2.checkpoint(now);
        r.c.firstTouches(l2.takeFirstTouchReads(), l2.takeFirstTouchWrites());
        // First touches are charged to the bytes only. Where they are many (CTAs bound by a slow
        // HBM overtake the one fetching, each "hitting" on its misses) the launch would move more
        // bytes than the bus carries: it ends no sooner than they could have crossed it.
        now = Math.max(now, start + machine.launchCycles() + (r.c.dramRead + r.c.dramWrite) / machine.dramBytesPerCycle());
        tracedDram += r.c.dramRead + r.c.dramWrite;
        tracedL2 += r.c.l2Read + r.c.l2Write;
        tracedTensor += matrixCycles(r.c);
        trace.counters(now, tracedDram, tracedL2, tracedTensor);
        return r.c.stats(launch, occupancy, now - start);
    }

    /**
     * Hands the trace the totals so far, the active CTAs' work since their last charge included.
     * That work is counted apart: charging it here would move the L2 model's refresh points, and a
     * traced run must give the same figures as any other.
     */
    private void sampleCounters(Run r) {
        LaunchCounters pending = new LaunchCounters();
        double pendingL2 = 0; // the L2 counts a chunk's bytes when it ends
        for (ResidentCta a : r.active) {
            pending.charge(a, pendingSteps(a));
            double perStep = 0;
            for (Access x : a.accesses) {
                perStep += x.itemBytes();
            }
            pendingL2 += perStep * a.stepsDone(now);
        }
        trace.counters(now, tracedDram + r.c.dramRead + r.c.dramWrite + pending.dramRead + pending.dramWrite,
                tracedL2 + r.c.l2Read + r.c.l2Write + pendingL2, tracedTensor + matrixCycles(r.c) + matrixCycles(pending));
    }

    /** The cycles of the pipe that runs the matrix products: the FMA pipe on a CPU, which has no tensor pipe. */
    private double matrixCycles(LaunchCounters c) {
        return cpu ? c.fma : c.tensor;
    }

    /** Charges the CTAs whose hit fractions the L2 changed at their old ones, and reads the new. */
    private void rehit(Run r, List<L2Model.Progress> changed) {
        for (L2Model.Progress p : changed) {
            ResidentCta a = (ResidentCta) p;
            sync(a, r.c);
            a.readHits(l2, now, machine);
            r.markDirty(a.sm);
        }
    }

    /** The chunk of {@code cta} ended: begin its next chunk, or let the next CTA of the grid take its slot. */
    private void retire(Run r, ResidentCta cta) {
        r.markDirty(cta.sm);
        if (nextChunk(r.launch, cta)) {
            return;
        }
        r.active.remove(cta);
        r.slots[cta.sm][cta.slot] = null;
        r.resident[cta.sm]--;
        r.residentWarps -= r.warps;
        if (r.resident[cta.sm] == 0) {
            r.busySms--;
        }
        r.dramDemand -= cta.dramDemand;
        r.l2Demand -= cta.l2Demand;
        if (now > r.instantEnd) {
            r.instantStart = now;
            r.instantEnd = now + Math.max(1, SAME_INSTANT_SHARE * (now - cta.placedAt));
        }
        long remaining = r.launch.grid() - r.next;
        if (remaining == 0) {
            return;
        }
        // The first test spares the scan of the CTAs in flight until the grid's last wave.
        if (remaining > r.active.size() + r.freed.size() || remaining > endingThisInstant(r) + r.freed.size()) {
            place(r, cta.sm, cta.slot); // every slot that frees now takes a CTA: where this one goes decides nothing
        } else {
            r.freed.add(new int[] {cta.sm, cta.slot});
        }
    }

    /** The CTAs in flight that may still end in the current instant: those placed before it began. */
    private static int endingThisInstant(Run r) {
        int n = 0;
        for (ResidentCta a : r.active) {
            if (a.placedAt < r.instantStart) {
                n++;
            }
        }
        return n;
    }

    /**
     * Gives the slots freed at one instant to the grid's last CTAs, the SMs with the fewest
     * resident CTAs first (ties by SM, then slot). CTAs of equal work end together; placing
     * by the order their events came out of the heap would be decided by rounding, and tends
     * to fill both slots of a few SMs with a partial last wave where the hardware spreads it.
     * Only the last CTAs wait for the instant to close: before them every freed slot is
     * refilled at once, so no slot idles.
     */
    private void fillFreedSlots(Run r) {
        List<int[]> freed = r.freed;
        while (!freed.isEmpty() && r.next < r.launch.grid()) {
            int best = 0;
            for (int i = 1; i < freed.size(); i++) {
                int[] a = freed.get(i);
                int[] b = freed.get(best);
                int byLoad = Integer.compare(r.resident[a[0]], r.resident[b[0]]);
                if (byLoad < 0 || byLoad == 0 && (a[0] < b[0] || a[0] == b[0] && a[1] < b[1])) {
                    best = i;
                }
            }
            int[] slot = freed.get(best);
            freed.set(best, freed.getLast());
            freed.removeLast();
            place(r, slot[0], slot[1]);
        }
        freed.clear();
    }

    private void place(Run r, int sm, int slot) {
        long n = r.next++;
        CtaProgram program = r.launch.programOf().apply(n);
        ResidentCta cta = new ResidentCta(ctaSequence++, n, program, sm, slot, trace.sampled(r.launch, n));
        r.c.tiles += program.tiles();
        if (program.tiles() == 0) {
            r.c.emptyCtas++;
        }
        cta.segmentStart = now;
        cta.since = now;
        cta.placedAt = now;
        beginChunk(cta);
        r.slots[sm][slot] = cta;
        if (r.resident[sm]++ == 0) {
            r.busySms++;
        }
        r.residentWarps += r.warps;
        r.active.add(cta);
        r.markDirty(sm);
    }

    private void beginChunk(ResidentCta cta) {
        Segment s = cta.current();
        cta.chunkSteps = Math.min(maxChunkSteps, s.steps() - cta.segmentDone);
        cta.done = 0;
        cta.since = now;
        if (cta.segmentDone == 0) {
            cta.accesses = s.accesses().toArray(new Access[0]);
            cta.cost = s.cost();
        }
        cta.chunk = l2.begin(s, cta.segmentDone, cta.chunkSteps, now, cta);
        if (cta.hit.length != cta.accesses.length) {
            cta.hit = new double[cta.accesses.length];
        }
        cta.readHits(l2, now, machine);
    }

    /** The steps {@code cta} has run since it was last charged. */
    private double pendingSteps(ResidentCta cta) {
        return Math.min(cta.chunkSteps - cta.done, cta.rate * (now - cta.since));
    }

    /** Charges {@code cta} for its steps up to now. */
    private void sync(ResidentCta cta, LaunchCounters c) {
        double steps = pendingSteps(cta);
        cta.since = now;
        if (steps > 0) {
            cta.done += steps;
            c.charge(cta, steps);
        }
    }

    /** The chunk of {@code cta} is done: charge any rounding remainder and count its exact bytes. */
    private void settle(ResidentCta cta, LaunchCounters c) {
        double rest = cta.chunkSteps - cta.done;
        if (rest > 0) {
            c.charge(cta, rest);
        }
        cta.done = cta.chunkSteps;
        l2.end(cta.chunk, now);
        c.chunkDone(cta);
        cta.segmentDone += cta.chunkSteps;
    }

    /** Moves to the next chunk; false when the CTA has finished its program. */
    private boolean nextChunk(Launch launch, ResidentCta cta) {
        Segment s = cta.current();
        if (cta.segmentDone < s.steps()) {
            beginChunk(cta);
            return true;
        }
        if (cta.sampled) {
            trace.segment(launch.name(), cta.n, cta.program.label(), cta.sm, cta.slot, s.label(), s.steps(),
                    cta.segmentStart, now);
        }
        cta.segment++;
        cta.segmentDone = 0;
        cta.segmentStart = now;
        if (cta.segment < cta.program.segments().size()) {
            beginChunk(cta);
            return true;
        }
        return false;
    }

    /**
     * New compute bounds for the SMs that changed, then rates: each CTA runs at its bound
     * unless DRAM or L2 bandwidth is oversubscribed, in which case every rate is shared anew.
     */
    private void updateRates(Run r) {
        for (int sm : r.dirtySms) {
            r.smDirty[sm] = false;
            if (r.resident[sm] == 0) {
                continue;
            }
            computeCaps(r.launch, r.slots[sm], r.resident[sm]);
            for (ResidentCta cta : r.slots[sm]) {
                if (cta != null) {
                    r.dramDemand += cta.cap * cta.dramPerStep - cta.dramDemand;
                    r.l2Demand += cta.cap * cta.l2PerStep - cta.l2Demand;
                    cta.dramDemand = cta.cap * cta.dramPerStep;
                    cta.l2Demand = cta.cap * cta.l2PerStep;
                    if (!r.bandwidthBound) {
                        setRate(r, cta, cta.cap);
                    }
                }
            }
        }
        r.dirtySms.clear();
        boolean bound = r.dramDemand > machine.dramBytesPerCycle() * (1 + 1e-12)
                || r.l2Demand > machine.l2BytesPerCycle() * (1 + 1e-12);
        if (bound || r.bandwidthBound) {
            r.bandwidthBound = bound;
            shareBandwidth(r);
        }
    }

    private void setRate(Run r, ResidentCta cta, double rate) {
        if (rate == cta.rate && cta.heapIndex >= 0) {
            return;
        }
        retime(r, cta, rate);
        r.heap.update(cta);
    }

    /** Charges {@code cta} at its old rate up to now and moves its event to the new one; the heap is the caller's. */
    private void retime(Run r, ResidentCta cta, double rate) {
        sync(cta, r.c);
        cta.rate = rate;
        cta.eventTime = now + Math.max(0, cta.chunkSteps - cta.done) / rate;
    }

    /**
     * Compute-bound rates of the CTAs of one SM, then the latency bound of each one's pipeline
     * ({@code stages} loads in flight for one latency plus one step).
     *
     * <p>Without overlap (the default), the SM runs the resident CTAs' steps one phase after
     * another, round robin: each CTA makes one step per round, and a round lasts the sum of
     * their steps. This is what kernels without explicit warp scheduling do: every warp runs
     * the same program, reaches the same phase at the same time and contends for the same
     * pipes and issue slots, so the matrix phase of one CTA does not hide the vector phase of
     * another (FlashAttention-3, arXiv 2407.08608, section 3.1, schedules warp groups
     * explicitly to get that overlap). With overlap, warp groups cycle through the matrix
     * phase, the vector phase and the fixed delay as customers of a closed queueing network,
     * solved by mean-value analysis.
     */
    private void computeCaps(Launch launch, ResidentCta[] onSm, int count) {
        double round = 0;
        double d1 = 0;
        double d2 = 0;
        double z = 0;
        for (ResidentCta cta : onSm) {
            if (cta != null) {
                round += cta.cost.serialCycles();
                d1 += cta.cost.matrixPhase();
                d2 += cta.cost.vectorPhase();
                z += cta.cost.fixedCycles();
            }
        }
        int groups = launch.groupsPerCta();
        int customers = count * groups;
        // Warp groups that a kernel schedules explicitly (ping-pong) overlap whatever the default.
        boolean overlap = this.overlap || groups > 1;
        double x = overlap ? Queueing.throughput(d1 / customers, d2 / customers, z / count, customers) : 0;
        double meanStep = (d1 + d2) / count + z / count;
        for (ResidentCta cta : onSm) {
            if (cta == null) {
                continue;
            }
            double own = cta.cost.serialCycles();
            double compute = overlap ? x / customers * (own > 0 ? meanStep / own : 1) : 1 / round;
            // At least one cycle per step: a step issues instructions.
            compute = own > 0 ? Math.min(1, compute) : 1;
            double cap = compute;
            if (cta.latency > 0) {
                cap = cta.cost.pipelined() ? Math.min(compute, launch.stages() / (cta.latency + 1 / compute))
                        : 1 / (cta.latency + 1 / compute);
            }
            cta.cap = cap;
        }
    }

    /**
     * Shares DRAM, then L2, bandwidth max-min fairly: CTAs whose demand at their bound is
     * below the fair share keep it, the others split the rest equally in bytes per cycle.
     *
     * <p>While bandwidth is saturated this runs at every event and usually moves every rate, so
     * it works in reused arrays and, when most rates moved, rebuilds the heap in one pass
     * instead of sifting each CTA (the heap's top is the same either way: its order is total).
     */
    private void shareBandwidth(Run r) {
        int n = r.active.size();
        Sharing s = r.sharing.fit(n);
        for (int i = 0; i < n; i++) {
            ResidentCta cta = r.active.get(i);
            s.rate[i] = cta.cap;
            s.dram[i] = cta.dramPerStep;
            s.l2[i] = cta.l2PerStep;
        }
        Queueing.waterFill(s.rate, s.dram, n, machine.dramBytesPerCycle(), s.demand);
        Queueing.waterFill(s.rate, s.l2, n, machine.l2BytesPerCycle(), s.demand);
        int moved = 0;
        for (int i = 0; i < n; i++) {
            ResidentCta cta = r.active.get(i);
            if (s.rate[i] != cta.rate || cta.heapIndex < 0) {
                moved++;
            }
        }
        if (moved < n / 4) {
            for (int i = 0; i < n; i++) {
                setRate(r, r.active.get(i), s.rate[i]);
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            ResidentCta cta = r.active.get(i);
            if (s.rate[i] != cta.rate || cta.heapIndex < 0) {
                retime(r, cta, s.rate[i]);
            }
        }
        r.heap.rebuild(r.active);
    }

    /** Scratch arrays of {@link #shareBandwidth}, per CTA in flight. */
    private static final class Sharing {
        double[] rate = new double[0];
        double[] dram = rate;
        double[] l2 = rate;
        double[] demand = rate;

        Sharing fit(int n) {
            if (rate.length < n) {
                int size = Math.max(n, 2 * rate.length);
                rate = new double[size];
                dram = new double[size];
                l2 = new double[size];
                demand = new double[size];
            }
            return this;
        }
    }
}
