package io.attnkit.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's measured f32 FMA peak on this JVM: every core runs 12 independent chains of
 * vector FMAs (more than FMA latency × FMA pipes on current x86 and ARM cores, so the pipes never
 * wait), with operands in registers. GFLOP/s = calls/s × {@link #flopsPerCall()} / 1e9, summed
 * over threads; the attention benchmarks report their percentage of this figure.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class FmaPeakBench {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int ITERATIONS = 1 << 16;
    static final int CHAINS = 12;

    float seed = 1f;

    /** Floating-point operations of one call: 2 per lane per FMA. */
    public static double flopsPerCall() {
        return 2.0 * ITERATIONS * CHAINS * F.length();
    }

    @Benchmark
    @Threads(Threads.MAX)
    public float fma() {
        // c ← c·a + b converges to b / (1 - a): no overflow, no subnormals.
        FloatVector a = FloatVector.broadcast(F, 0.999f);
        FloatVector b = FloatVector.broadcast(F, 1e-3f);
        FloatVector c0 = FloatVector.broadcast(F, seed);
        FloatVector c1 = c0.add(1f);
        FloatVector c2 = c0.add(2f);
        FloatVector c3 = c0.add(3f);
        FloatVector c4 = c0.add(4f);
        FloatVector c5 = c0.add(5f);
        FloatVector c6 = c0.add(6f);
        FloatVector c7 = c0.add(7f);
        FloatVector c8 = c0.add(8f);
        FloatVector c9 = c0.add(9f);
        FloatVector c10 = c0.add(10f);
        FloatVector c11 = c0.add(11f);
        for (int i = 0; i < ITERATIONS; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }
}
