package io.attnkit.bench;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Runner;
import io.attnkit.codegen.java.JavaRunner;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.ReferenceAttention;
import io.attnkit.dsl.reference.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One attention forward pass of a benchmark kernel ({@link BenchKernels}) on all cores, by one of
 * three implementations: {@code vector}, the kernel the Java backend generates; {@code scalar},
 * the same algorithm in plain Java ({@link ScalarFlashAttention}); {@code reference}, the float64
 * oracle. Seconds per pass; GFLOP/s = {@link #flops(KernelSpec)} / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class AttentionBench {
    @Param({"dense-4k", "causal-4k"})
    public String kernel;

    @Param({"vector"})
    public String impl;

    private KernelSpec spec;
    private Tensor q;
    private Tensor k;
    private Tensor v;
    private Runner.CompiledKernel compiled;
    private ScalarFlashAttention scalar;
    private int threads;

    /** FLOPs of one pass: 2·(head_dim + v_dim) per visible (query, key) pair, i.e. 4·b·h·q·kv·d·density when v_dim = head_dim. */
    public static double flops(KernelSpec kernel) {
        Shape s = kernel.shape();
        return 2.0 * BlockMap.of(kernel).visibleElements() * (s.headDim() + s.vDim());
    }

    @Setup(Level.Trial)
    public void setUp() throws BackendException {
        spec = BenchKernels.byId(kernel).kernel();
        Shape s = spec.shape();
        q = Tensor.random(s.batch(), s.heads(), s.qLen(), s.headDim(), 1);
        k = Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.headDim(), 2);
        v = Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.vDim(), 3);
        threads = Runtime.getRuntime().availableProcessors();
        switch (impl) {
            case "vector" -> compiled = new JavaRunner().compile(spec, new Runner.RunOptions("", threads));
            case "scalar" -> scalar = new ScalarFlashAttention(spec);
            case "reference" -> { }
            default -> throw new IllegalArgumentException("impl is vector, scalar or reference, not " + impl);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (compiled != null) {
            compiled.close();
        }
    }

    @Benchmark
    public Object pass() throws BackendException {
        return switch (impl) {
            case "vector" -> compiled.run(Runner.Inputs.of(spec, q, k, v));
            case "scalar" -> scalar.run(q, k, v, threads);
            default -> ReferenceAttention.run(spec, q, k, v);
        };
    }
}
