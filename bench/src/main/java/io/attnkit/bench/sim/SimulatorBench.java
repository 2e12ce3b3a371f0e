package io.attnkit.bench.sim;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.SimResult;
import io.attnkit.sim.Simulator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Simulation of one Llama-3.1-8B attention layer on the H100, block map included: the goal is
 * 2 s at 128K tokens and 30 s at 1M on two cores with a 1 GiB heap. Each iteration is one
 * whole simulation (single shot); the fork's heap is capped at 1 GiB.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Xms1g"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class SimulatorBench {
    @Param({"131072"})
    int tokens;

    private KernelSpec kernel;
    private TargetSpec target;

    @Setup
    public void setup() {
        kernel = LlamaLayer.kernel(tokens);
        target = LlamaLayer.target();
    }

    @Benchmark
    public SimResult simulate() {
        return Simulator.simulate(kernel, target, BlockMap.of(kernel), SimOptions.defaults());
    }
}
