package io.attnkit.sim.l2;

import java.util.Arrays;

/**
 * Hit probabilities by lag, as of the last snapshot of all trails: the stack distance of an item
 * last touched {@code lag} cycles before the snapshot (the distinct bytes every trail swept since,
 * plus the never-reused bytes of the {@link PointLog} and of the chunks in flight) through the
 * cache's {@link HitCurve}.
 *
 * <p>The distance is a nondecreasing, piecewise linear function of the lag. It is computed
 * exactly at lags {@code 2^(i/8)} cycles when first needed after a snapshot and interpolated in
 * between, except where the two neighbours' hit fractions differ by more than 0.01.
 */
final class ReuseDistances {
    /** The most two neighbouring grid points' hit fractions may differ for a look-up between them to interpolate. */
    private static final double INTERPOLATION_SLACK = 0.01;
    /** Points per doubling of the lag at which stack distances are computed exactly. */
    private static final int GRID_PER_OCTAVE = 8;
    /** Lags up to 2^48 cycles. */
    private static final int GRID_POINTS = 48 * GRID_PER_OCTAVE + 1;

    private final HitCurve curve;
    private final PointLog points;
    private final TrailSnapshot snapshot = new TrailSnapshot();
    private final InFlightPoints inFlight = new InFlightPoints();
    private final double[] grid = new double[GRID_POINTS]; // stack distance at grid lags, NaN until needed
    private boolean taken;

    ReuseDistances(HitCurve curve, PointLog points) {
        this.curve = curve;
        this.points = points;
    }

    /** True once a snapshot was taken. */
    boolean taken() {
        return taken;
    }

    /**
     * Snapshots every trail in flight and forgets the distances of the previous snapshot; the
     * caller then lists the never-reused bytes of the chunks in flight into {@link #inFlight()}.
     */
    void take(TrailsByObject byObject, double now) {
        taken = true;
        Arrays.fill(grid, Double.NaN);
        snapshot.take(byObject, now);
        inFlight.clear();
    }

    /** The never-reused bytes of the chunks in flight at the snapshot, to be filled after {@link #take}. */
    InFlightPoints inFlight() {
        return inFlight;
    }

    /** Hit probability of an item last touched {@code lag} cycles ago. */
    double hitAfter(double lag) {
        return curve.hit(distanceAfter(lag));
    }

    /** Stack distance, in bytes, of an item last touched {@code lag} cycles ago: from the grid where that is safe. */
    double distanceAfter(double lag) {
        if (lag <= 1) {
            return distance(lag);
        }
        double position = Math.log(lag) / Math.log(2) * GRID_PER_OCTAVE;
        int i = (int) position;
        if (i + 1 >= grid.length) {
            return distance(lag);
        }
        double lo = gridDistance(i);
        double hi = gridDistance(i + 1);
        if (curve.hit(lo) - curve.hit(hi) > INTERPOLATION_SLACK) {
            // The distance jumps between the two lags (a fast kernel wrote megabytes in a few
            // microseconds) where the hit curve is steep: interpolating would place the jump wrong.
            return distance(lag);
        }
        double f = (lag - gridLag(i)) / (gridLag(i + 1) - gridLag(i));
        return lo + (hi - lo) * f;
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

    /** Stack distance, in bytes, of an item last touched {@code lag} cycles before the snapshot. */
    private double distance(double lag) {
        return points.since(snapshot.time() - lag) + inFlight.since(lag) + snapshot.distinctBytes(lag);
    }
}
