package io.attnkit.sim.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.attnkit.sim.gpu.TraceSink;
import io.attnkit.sim.gpu.Launch;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A Chrome trace (the JSON that Perfetto and {@code chrome://tracing} open) of a simulation:
 * one track per SM slot holding the segments of a sample of CTAs (about {@code ctas} of each
 * launch, every k-th of its grid, so the file stays small whatever the grid), and counter tracks
 * of DRAM and L2 bandwidth and tensor-pipe activity over time, whose areas are the run's totals.
 */
public final class ChromeTrace implements TraceSink {
    private static final int MAX_COUNTER_SAMPLES = 2048;
    /** Intervals of the counter tracks: rates are averaged over a thousandth of the run. */
    private static final int MAX_COUNTER_BINS = 1000;
    private static final int MAX_SEGMENTS_PER_CTA = 64;

    private final int ctas;
    private final double clockHz;
    /** A CPU target's run: tracks per core, the last-level cache, the FMA pipe, as its report words them. */
    private final boolean cpu;
    private final List<Span> spans = new ArrayList<>();
    private final TreeSet<Integer> sms = new TreeSet<>();
    private final List<double[]> samples = new ArrayList<>();
    private long counterStride = 1;
    private int launchIndex = -1;
    private Launch lastLaunch;
    private long lastCta = -1;
    private int segmentsOfLastCta;

    private record Span(int launch, String launchName, long cta, String label, int sm, int slot, String name, long steps,
                        double start, double end) {
    }

    /**
     * @param ctas    about how many CTAs of each launch to record
     * @param clockHz the SM clock, to turn cycles into microseconds
     * @param cpu     a CPU target's run: a core per track, the pipe counted is the FMA pipe
     */
    public ChromeTrace(int ctas, double clockHz, boolean cpu) {
        this.ctas = ctas;
        this.clockHz = clockHz;
        this.cpu = cpu;
    }


    @Override
    public boolean sampled(Launch launch, long n) {
        if (launch != lastLaunch) {
            lastLaunch = launch;
            launchIndex++;
        }
        long stride = Math.max(1, (launch.grid() + ctas - 1) / Math.max(1, ctas));
        return ctas > 0 && n % stride == 0;
    }

    @Override
    public void segment(String launch, long n, String cta, int sm, int slot, String label, long steps, double start,
                        double end) {
        if (n != lastCta) {
            lastCta = n;
            segmentsOfLastCta = 0;
        }
        if (++segmentsOfLastCta > MAX_SEGMENTS_PER_CTA) {
            return;
        }
        sms.add(sm);
        spans.add(new Span(launchIndex, launch, n, cta, sm, slot, label, steps, start, end));
    }

    @Override
    public boolean wantsCounters(long event) {
        return ctas > 0 && event % counterStride == 0;
    }

    @Override
    public void counters(double time, double dramBytes, double l2Bytes, double tensorCycles) {
        if (ctas <= 0) {
            return;
        }
        samples.add(new double[] {time, dramBytes, l2Bytes, tensorCycles});
        if (samples.size() >= MAX_COUNTER_SAMPLES) {
            // Every other sample, the first and the newest always: the tracks' areas run from one to the
            // other. Both ends of a stretch where nothing moved (a launch starting) stay, or the
            // interpolation would spread the next launch's bytes back over it.
            List<double[]> kept = new ArrayList<>(samples.size() / 2 + 2);
            for (int i = 0; i < samples.size(); i++) {
                if (i % 2 == 0 || i == samples.size() - 1 || still(i - 1, i) || still(i, i + 1)) {
                    kept.add(samples.get(i));
                }
            }
            samples.clear();
            samples.addAll(kept);
            counterStride *= 2;
        }
    }

    /** Whether samples {@code a} and {@code b} (when both exist) hold the same totals at different times. */
    private boolean still(int a, int b) {
        if (a < 0 || b >= samples.size()) {
            return false;
        }
        double[] x = samples.get(a);
        double[] y = samples.get(b);
        return y[0] > x[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
    }

    /** Number of CTA segments recorded. */
    public int segments() {
        return spans.size();
    }

    /** The trace as Chrome trace-event JSON. */
    public ObjectNode toJson(ObjectMapper mapper, int smCount) {
        ObjectNode root = mapper.createObjectNode();
        ArrayNode events = root.putArray("traceEvents");
        for (int sm : sms) {
            ObjectNode meta = events.addObject();
            meta.put("name", "process_name").put("ph", "M").put("pid", sm + 1);
            meta.putObject("args").put("name", (cpu ? "core " : "SM ") + sm);
        }
        ObjectNode counterMeta = events.addObject();
        counterMeta.put("name", "process_name").put("ph", "M").put("pid", 0);
        String pipe = cpu ? "FMA pipe" : "tensor pipe";
        counterMeta.putObject("args").put("name", "memory and " + pipe);
        for (Span s : spans) {
            ObjectNode e = events.addObject();
            e.put("name", s.name()).put("cat", s.launchName()).put("ph", "X")
                    .put("ts", micros(s.start())).put("dur", micros(s.end() - s.start()))
                    .put("pid", s.sm() + 1).put("tid", s.slot());
            e.putObject("args").put("cta", s.label()).put("launch", s.launchName()).put("steps", s.steps());
        }
        double[][] bins = binned(samples, Math.min(MAX_COUNTER_BINS, Math.max(1, samples.size() - 1)));
        for (int k = 0; k + 1 < bins.length; k++) {
            double[] from = bins[k];
            double[] to = bins[k + 1];
            double cycles = to[0] - from[0];
            double seconds = cycles / clockHz;
            ObjectNode e = events.addObject();
            e.put("name", "bandwidth").put("ph", "C").put("ts", micros(from[0])).put("pid", 0);
            e.putObject("args").put("DRAM GB/s", (to[1] - from[1]) / seconds / 1e9)
                    .put(cpu ? "LLC GB/s" : "L2 GB/s", (to[2] - from[2]) / seconds / 1e9);
            ObjectNode t = events.addObject();
            t.put("name", pipe + " active %").put("ph", "C").put("ts", micros(from[0])).put("pid", 0);
            t.putObject("args").put("%", 100 * (to[3] - from[3]) / cycles / smCount);
        }
        root.put("displayTimeUnit", "ns");
        return root;
    }

    /**
     * The running totals at {@code bins + 1} evenly spaced times from the first sample to the last,
     * interpolated linearly. The engine samples at its events, some a fraction of a cycle apart,
     * and charges work in lumps (the L2 bytes of a chunk when it ends): rates over such gaps
     * were meaningless (a tensor pipe "active" -2000% of the time). Totals are made
     * nondecreasing first, as an estimate of work in flight may run ahead of what is charged.
     */
    static double[][] binned(List<double[]> samples, int bins) {
        if (samples.size() < 2) {
            return new double[0][];
        }
        int columns = samples.getFirst().length;
        double[][] s = new double[samples.size()][];
        for (int i = 0; i < s.length; i++) {
            s[i] = samples.get(i).clone();
            for (int c = 0; i > 0 && c < columns; c++) {
                s[i][c] = Math.max(s[i][c], s[i - 1][c]);
            }
        }
        double t0 = s[0][0];
        double t1 = s[s.length - 1][0];
        if (!(t1 > t0)) {
            return new double[0][];
        }
        double[][] out = new double[bins + 1][];
        int j = 0;
        for (int k = 0; k <= bins; k++) {
            double t = k == bins ? t1 : t0 + (t1 - t0) * k / bins;
            while (j + 2 < s.length && s[j + 1][0] <= t) {
                j++;
            }
            double[] a = s[j];
            double[] b = s[j + 1];
            double f = b[0] > a[0] ? Math.min(1, Math.max(0, (t - a[0]) / (b[0] - a[0]))) : 1;
            double[] row = new double[columns];
            row[0] = t;
            for (int c = 1; c < columns; c++) {
                row[c] = a[c] + (b[c] - a[c]) * f;
            }
            out[k] = row;
        }
        return out;
    }

    private double micros(double cycles) {
        return Math.round(cycles / clockHz * 1e9) / 1e3;
    }
}
