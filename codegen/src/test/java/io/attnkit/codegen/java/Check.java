package io.attnkit.codegen.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Runner;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Comparison;
import io.attnkit.dsl.reference.ReferenceAttention;
import io.attnkit.dsl.reference.Tensor;
import io.attnkit.dsl.reference.Tolerance;

/** Runs a generated kernel on random inputs and checks it against the float64 reference and the BlockMap. */
final class Check {
    private static final JavaRunner RUNNER = new JavaRunner();

    private Check() {
    }

    record Inputs(Tensor q, Tensor k, Tensor v) {
        static Inputs random(KernelSpec kernel, long seed) {
            Shape s = kernel.shape();
            return new Inputs(Tensor.random(s.batch(), s.heads(), s.qLen(), s.headDim(), seed),
                    Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.headDim(), seed + 1),
                    Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.vDim(), seed + 2));
        }
    }

    /** The output of {@code kernel} on random inputs, after checking it against the reference and its tile count. */
    static Runner.Execution againstReference(KernelSpec kernel, long seed) throws BackendException {
        Inputs in = Inputs.random(kernel, seed);
        Runner.Inputs inputs = Runner.Inputs.of(kernel, in.q(), in.k(), in.v());
        return againstReference(kernel, inputs, BlockMap.of(kernel),
                ReferenceAttention.run(kernel, in.q(), in.k(), in.v()));
    }

    static Runner.Execution againstReference(KernelSpec kernel, Runner.Inputs inputs, BlockMap map,
                                             ReferenceAttention.Result expected) throws BackendException {
        Runner.Execution run;
        try (Runner.CompiledKernel compiled = RUNNER.compile(kernel, new Runner.RunOptions("", 2))) {
            run = compiled.run(inputs);
        }
        Comparison c = Comparison.of(run.out().data(), expected.out(), Tolerance.of(kernel.dtype()));
        assertTrue(c.passed(), () -> "kernel differs from the reference: " + c + " at " + where(kernel, c.firstViolation())
                + " (kernel " + run.out().data()[(int) c.firstViolation()] + ", reference "
                + expected.out()[(int) c.firstViolation()] + ")\n" + io.attnkit.dsl.check.Unparser.print(kernel));
        assertEquals(map.visitedTiles(), run.kvTilesLoaded(), "K/V tiles loaded by the kernel vs the BlockMap");
        return run;
    }

    private static String where(KernelSpec kernel, long flat) {
        Shape s = kernel.shape();
        long d = flat % s.vDim();
        long i = flat / s.vDim() % s.qLen();
        long h = flat / s.vDim() / s.qLen() % s.heads();
        long b = flat / s.vDim() / s.qLen() / s.heads();
        return "[b " + b + ", h " + h + ", row " + i + ", d " + d + "]";
    }
}
