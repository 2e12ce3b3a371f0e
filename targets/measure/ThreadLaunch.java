/*
 * ThreadLaunch: what one fork-join of the Java backend costs on the machine at hand, the
 * `launch` figure of a CPU target.
 *
 *   java targets/measure/ThreadLaunch.java
 *
 * Each phase of a Java backend kernel (decoding K and V, then the work items) starts its helper
 * threads and joins them. On a virtual machine the helper's vCPU is often idle and descheduled
 * by the host, and waking it can cost far more than creating the thread. This starts and joins
 * an empty thread after the other cores have been idle for a few milliseconds, as they are
 * between two runs of a kernel, and prints the distribution.
 */
import java.util.Arrays;
import java.util.Locale;

public class ThreadLaunch {
    public static void main(String[] args) throws InterruptedException {
        int n = 400;
        long[] nanos = new long[n];
        for (int i = 0; i < n; i++) {
            Thread.sleep(5);
            long t0 = System.nanoTime();
            Thread helper = new Thread(() -> { });
            helper.start();
            helper.join();
            nanos[i] = System.nanoTime() - t0;
        }
        Arrays.sort(nanos);
        System.out.printf(Locale.ROOT, "start + join of one thread after 5 ms idle, %d times: best %.0f us, "
                + "quartiles %.0f / %.0f / %.0f us%n", n, nanos[0] / 1e3, nanos[n / 4] / 1e3, nanos[n / 2] / 1e3,
                nanos[3 * n / 4] / 1e3);
        System.out.printf(Locale.ROOT, "for a CPU target: launch %.0f us;   (the median)%n", nanos[n / 2] / 1e3);
    }
}
