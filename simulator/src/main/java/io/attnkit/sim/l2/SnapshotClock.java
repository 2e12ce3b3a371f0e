package io.attnkit.sim.l2;

/**
 * When the next snapshot is due by time. A run's hit fraction reads the stack distance at its
 * lag, which moves as new data comes into the L2 (the misses of the chunks in flight) and old
 * data leaves the window's far end, even when no CTA event comes (a whole launch that starts
 * together and runs one long chunk per CTA). Each fraction notes how far its distance may move
 * before it moves by {@link #HIT_DRIFT}; the smallest margin and its lag decide when the next
 * snapshot is due. HIT_DRIFT is the tolerance of that trigger, not of the model: at 0.01 the
 * Llama layer at 128K tokens took 25-100% longer to simulate for no change beyond 1% on the
 * kernels checked (BENCHMARKS.md, "Snapshots due by time").
 */
final class SnapshotClock {
    private static final double HIT_DRIFT = 0.05;

    private final HitCurve curve;
    private final double staleBytes; // the least bytes that can move a hit fraction by HIT_DRIFT
    private final FillLog fills;
    private double margin = Double.POSITIVE_INFINITY; // drift of distance that may move a present fraction by HIT_DRIFT
    private double marginLag; // the lag of the fraction that set the margin
    private double snapshotTime;
    private double due = Double.POSITIVE_INFINITY;

    SnapshotClock(HitCurve curve) {
        this.curve = curve;
        double slope = curve.steepestSlope();
        this.staleBytes = slope > 0 ? HIT_DRIFT / slope : Double.POSITIVE_INFINITY;
        this.fills = new FillLog(staleBytes / 16);
    }

    /** A snapshot begins: the fractions it assesses set the margin afresh. */
    void snapshotBegins() {
        margin = Double.POSITIVE_INFINITY;
    }

    /** A snapshot was taken at {@code now}: drift counts from here, and nothing is due until the next rating. */
    void snapshotTaken(double now) {
        snapshotTime = now;
        due = Double.POSITIVE_INFINITY;
    }

    /** Notes a fraction {@code hit} read at stack distance {@code distance}, {@code lag} cycles after the last touch. */
    void note(double lag, double distance, double hit) {
        if (hit > HIT_DRIFT) { // how far the distance may grow before this fraction is stale
            double m = Math.max(staleBytes, curve.distanceAt(hit - HIT_DRIFT) - distance);
            if (m < margin) {
                margin = m;
                marginLag = lag;
            }
        }
    }

    /** From {@code now} on, bytes come into the L2 at {@code inRate} per cycle: sets the time the next snapshot is due. */
    void rated(double now, double inRate) {
        fills.rate(now, inRate);
        due = dueAt(now, inRate);
    }

    /** When the next snapshot is due (infinity: at no time of its own). */
    double due() {
        return due;
    }

    /**
     * When the distance at the lag that set the margin will have drifted by the margin, at the
     * present rates: what came in since the snapshot less what left that window's far end
     * (steady traffic moves no distance), each extrapolated at its rate now.
     */
    private double dueAt(double now, double inRate) {
        if (!(margin < Double.POSITIVE_INFINITY)) {
            return Double.POSITIVE_INFINITY;
        }
        double far = now - marginLag;
        double drift = fills.total(now) - fills.total(snapshotTime) - (fills.total(far) - fills.total(snapshotTime - marginLag));
        double rate = inRate - fills.rateAt(far);
        double left = margin - Math.abs(drift);
        if (left <= 0) {
            return now + WakeQueue.MIN_GAP;
        }
        if (rate == 0 || Math.signum(rate) != Math.signum(drift) && drift != 0) {
            return Double.POSITIVE_INFINITY; // holding, or drifting back: the next rating looks again
        }
        return now + Math.max(WakeQueue.MIN_GAP, left / Math.abs(rate));
    }
}
