package io.attnkit.sim.gpu;

import io.attnkit.sim.l2.L2Model;

/**
 * A CTA resident on an SM while the {@link Engine} runs its launch: where it is in its program,
 * the chunk of steps in flight, its rate and what each step costs in bytes per level. Mutable,
 * and owned by one engine.
 */
final class ResidentCta implements L2Model.Progress, EventHeap.Entry {
    final long id;
    final long n;
    final CtaProgram program;
    final int sm;
    final int slot;
    final boolean sampled;
    int segment;
    Access[] accesses;
    StepCost cost;
    long segmentDone; // steps of the segment finished before the current chunk
    long chunkSteps;
    double done; // steps of the chunk charged so far
    double rate; // steps per cycle
    double since; // time up to which the CTA is charged
    double segmentStart;
    double placedAt; // when the CTA took its slot
    double eventTime = Double.POSITIVE_INFINITY;
    int heapIndex = -1;
    L2Model.Chunk chunk;
    double[] hit = new double[0];
    double dramPerStep;
    double l2PerStep;
    double latency;
    double cap;
    double dramDemand; // cap x DRAM bytes per step, as counted in the launch's total
    double l2Demand;

    /** The {@code n}-th CTA of its grid; {@code id} orders CTAs whose events fall at the same time. */
    ResidentCta(long id, long n, CtaProgram program, int sm, int slot, boolean sampled) {
        this.id = id;
        this.n = n;
        this.program = program;
        this.sm = sm;
        this.slot = slot;
        this.sampled = sampled;
    }

    Segment current() {
        return program.segments().get(segment);
    }

    /** Looks up the L2 hits of the chunk in flight and derives its bytes per step and its mean load latency. */
    void readHits(L2Model l2, double now, Machine machine) {
        l2.hits(chunk, now, hit);
        double dram = 0;
        double l2Bytes = 0;
        double readBytes = 0;
        double wait = 0;
        for (int i = 0; i < accesses.length; i++) {
            Access a = accesses[i];
            double miss = 1 - hit[i];
            dram += a.itemBytes() * miss;
            l2Bytes += a.itemBytes();
            if (!a.write()) {
                readBytes += a.itemBytes();
                wait += a.itemBytes() * (hit[i] * machine.l2LatencyCycles() + miss * machine.dramLatencyCycles());
            }
        }
        dramPerStep = dram;
        l2PerStep = l2Bytes;
        latency = readBytes > 0 ? wait / readBytes : 0;
    }

    @Override
    public double stepsDone(double t) {
        return Math.min(chunkSteps, done + rate * (t - since));
    }

    @Override
    public double stepsPerCycle() {
        return rate;
    }

    @Override
    public double eventTime() {
        return eventTime;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public int heapIndex() {
        return heapIndex;
    }

    @Override
    public void heapIndex(int index) {
        heapIndex = index;
    }
}
