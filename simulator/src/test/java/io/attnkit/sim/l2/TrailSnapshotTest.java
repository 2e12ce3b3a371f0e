package io.attnkit.sim.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrailSnapshotTest {

    /** A CTA in flight at a steady rate since {@code begin}. */
    private record Steady(double begin, double rate) implements L2Model.Progress {
        @Override
        public double stepsDone(double now) {
            return Math.max(0, now - begin) * rate;
        }

        @Override
        public double stepsPerCycle() {
            return rate;
        }
    }

    /**
     * Distinct bytes swept within {@code lag} of {@code now}, by merging every open window of
     * each object after sorting them by their low end: the union the snapshot's one pass over
     * windows sorted by their high end must give.
     */
    private static double union(TrailsByObject objects, int count, double now, double lag) {
        double total = 0;
        for (int o = 0; o < count; o++) {
            Trails trails = objects.get(o);
            List<double[]> open = new ArrayList<>(); // low, high, bytes per item
            for (PassMap.Ramp r : passesOf(trails)) {
                double window = lag - (now - r.endTime());
                if (window > 0) {
                    open.add(new double[] {Math.max(r.lo(), r.end() - r.rate() * window), r.hi(), r.bytes()});
                }
            }
            for (Trail t : trails.active) {
                double at = t.position(now);
                open.add(new double[] {Math.max(t.start, at - t.itemsPerCycle() * lag), at, t.bytes});
            }
            open.sort(Comparator.comparingDouble(w -> w[0]));
            double reached = Double.NEGATIVE_INFINITY;
            for (double[] w : open) {
                double from = Math.max(w[0], reached);
                if (w[1] > from) {
                    total += (w[1] - from) * w[2];
                    reached = w[1];
                }
            }
        }
        return total;
    }

    private static List<PassMap.Ramp> passesOf(Trails trails) {
        double[] g = trails.donePasses();
        List<PassMap.Ramp> out = new ArrayList<>();
        for (int i = 0; i < g.length; i += PassMap.GEOMETRY_STRIDE) {
            out.add(new PassMap.Ramp(g[i], g[i + 1], 0, g[i + 4], g[i + 2], g[i + 3], g[i + 5], 0));
        }
        return out;
    }

    @Test
    void distinctBytesAtEveryLagAreTheUnionOfTheWindowsOpenAtThatLag() {
        Random random = new Random(11);
        for (int trial = 0; trial < 40; trial++) {
            int count = 1 + random.nextInt(6);
            TrailsByObject objects = new TrailsByObject(count);
            double now = 10_000;
            for (int o = 0; o < count; o++) {
                double bytes = 64 * (1 + random.nextInt(4)); // one size per object, as tiles of a tensor are
                int trails = random.nextInt(60); // many stretches: blocks of old and young windows
                for (int i = 0; i < trails; i++) {
                    double start = random.nextInt(500);
                    double end = start + 1 + random.nextInt(100);
                    double rate = 0.01 + random.nextDouble();
                    double begin = random.nextDouble() * (now - (end - start) / rate);
                    Trail t = new Trail(i, o, start, end, bytes, random.nextBoolean(), begin, null);
                    t.rate = rate;
                    t.endTime = begin + (end - start) / rate;
                    objects.get(o).finish(t, 0);
                }
                if (random.nextInt(3) == 0) { // one in flight too
                    double start = random.nextInt(500);
                    Trail t = new Trail(trails, o, start, start + 1000, bytes, false, now - 50,
                            new Steady(now - 50, 0.5 + random.nextDouble()));
                    objects.begin(t);
                }
                if (trails == 0 && objects.get(o).active.isEmpty()) {
                    continue;
                }
                objects.markLive(o);
            }
            TrailSnapshot snapshot = new TrailSnapshot();
            snapshot.take(objects, now);
            for (double lag : new double[] {0.5, 1, 7, 30, 120, 600, 2_500, 9_000, 20_000}) {
                double expected = union(objects, count, now, lag);
                assertEquals(expected, snapshot.distinctBytes(lag), 1e-9 * Math.max(1, expected),
                        "trial " + trial + ", lag " + lag);
            }
        }
    }
}
