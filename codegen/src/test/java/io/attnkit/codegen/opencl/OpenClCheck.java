package io.attnkit.codegen.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Runner;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.check.Unparser;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Comparison;
import io.attnkit.dsl.reference.ReferenceAttention;
import io.attnkit.dsl.reference.Tensor;
import io.attnkit.dsl.reference.Tolerance;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/** Runs generated OpenCL kernels against the float64 reference; skips visibly where OpenCL is missing. */
public final class OpenClCheck {
    private OpenClCheck() {
    }

    /** Skips the calling test, printing why, when this machine has no OpenCL platform. */
    public static void requirePlatform(Class<?> test) {
        Optional<String> missing = OpenClRunner.unavailable();
        missing.ifPresent(why -> System.err.println(test.getSimpleName() + " skipped: " + why));
        Assumptions.assumeTrue(missing.isEmpty(), () -> "skipped: " + missing.orElse(""));
    }

    /** The output of {@code kernel} on random inputs, after checking it against the reference and the BlockMap's tiles. */
    public static Runner.Execution againstReference(KernelSpec kernel, long seed) throws BackendException {
        Shape s = kernel.shape();
        Tensor q = Tensor.random(s.batch(), s.heads(), s.qLen(), s.headDim(), seed);
        Tensor k = Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.headDim(), seed + 1);
        Tensor v = Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.vDim(), seed + 2);
        Runner.Execution run;
        try (Runner.CompiledKernel compiled = new OpenClRunner().compile(kernel, Runner.RunOptions.DEFAULT)) {
            run = compiled.run(Runner.Inputs.of(kernel, q, k, v));
        }
        double[] expected = ReferenceAttention.run(kernel, q, k, v).out();
        Comparison c = Comparison.of(run.out().data(), expected, Tolerance.of(kernel.dtype()));
        assertTrue(c.passed(), () -> "opencl differs from the reference: " + c + "\n" + Unparser.print(kernel));
        assertEquals(BlockMap.of(kernel).visitedTiles(), run.kvTilesLoaded(),
                () -> "K/V tiles counted by the kernel vs the BlockMap\n" + Unparser.print(kernel));
        return run;
    }
}
