package io.attnkit.sim.l2;

import java.util.Arrays;

/**
 * The bytes brought into the L2 over time (the misses of the chunks in flight, and what strided
 * accesses re-touch), as a piecewise linear cumulative curve: what a window of the past took in,
 * to set against what the present takes in. Small changes of rate are logged only every {@code resolution} bytes, so the log
 * grows with the traffic and with real changes of rate, not with every event.
 */
final class FillLog {
    private final double resolution;
    private double[] times = new double[64];
    private double[] totals = new double[64];
    private double[] rates = new double[64]; // bytes per cycle from each sample on
    private int size;

    FillLog(double resolution) {
        this.resolution = resolution;
    }

    /**
     * From {@code now} on, bytes come in at {@code rate} per cycle. A rate within a tenth of the
     * last is not logged until {@code resolution} bytes have come in since: the log is an estimate.
     */
    void rate(double now, double rate) {
        if (size > 0) {
            double last = rates[size - 1];
            if (Math.abs(rate - last) <= 0.1 * Math.max(rate, last) && total(now) - totals[size - 1] < resolution) {
                return;
            }
            if (times[size - 1] == now) {
                rates[size - 1] = rate;
                return;
            }
        }
        if (size == times.length) {
            times = Arrays.copyOf(times, 2 * size);
            totals = Arrays.copyOf(totals, 2 * size);
            rates = Arrays.copyOf(rates, 2 * size);
        }
        totals[size] = total(now);
        times[size] = now;
        rates[size] = rate;
        size++;
    }

    /** Bytes brought in up to {@code time}. */
    double total(double time) {
        int i = floor(time);
        return i < 0 ? 0 : totals[i] + rates[i] * (time - times[i]);
    }

    /** Bytes per cycle coming in at {@code time}. */
    double rateAt(double time) {
        int i = floor(time);
        return i < 0 ? 0 : rates[i];
    }

    private int floor(double time) {
        int i = Arrays.binarySearch(times, 0, size, time);
        if (i >= 0) {
            while (i + 1 < size && times[i + 1] == time) {
                i++;
            }
            return i;
        }
        return -i - 2;
    }
}
