package io.attnkit.sim.l2;

import io.attnkit.sim.gpu.Segment;

/** A chunk in flight in the {@link StreamReuseL2}: its trails, its hit fractions and what its steps add to the L2. */
final class Flow implements L2Model.Chunk {
    final Segment segment;
    final long from; // the chunk's first step within its segment
    int version; // bumped at every assessment: a wake asked for before it is stale
    double wakeAt = Double.POSITIVE_INFINITY;
    boolean done;
    final long steps;
    final L2Model.Progress progress;
    final Trail[] trails; // null for accesses never reused and for companions
    final boolean[] companion;
    final boolean[] strided; // reused accesses that walk items apart: no trail, see StreamReuseL2.stridedHit
    boolean anyStrided;
    long stridedRecorded; // steps whose strided items are in their objects' passes
    double recordedAt; // when the last of them was passed
    final double[] hit;
    final double beginTime;
    double pointBytesPerStep; // bytes a step moves through accesses never reused: the PointLog's when it ends
    double fillPerStep; // bytes a step adds to older items' stack distances, see StreamReuseL2.refill
    int index; // in the model's list of chunks in flight

    Flow(Segment segment, long from, long steps, double beginTime, L2Model.Progress progress) {
        this.segment = segment;
        this.from = from;
        this.beginTime = beginTime;
        this.steps = steps;
        this.progress = progress;
        int n = segment.accesses().size();
        this.trails = new Trail[n];
        this.companion = new boolean[n];
        this.strided = new boolean[n];
        this.hit = new double[n];
    }
}
