package io.attnkit.codegen.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Runner;
import io.attnkit.codegen.java.RandomKernels;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Comparison;
import io.attnkit.dsl.reference.ReferenceAttention;
import io.attnkit.dsl.reference.Tensor;
import io.attnkit.dsl.reference.Tolerance;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Generated OpenCL kernels run on this machine's OpenCL device (PoCL in CI) against the float64
 * reference, and the tiles they count against the BlockMap. Skipped, with the reason printed,
 * only where no OpenCL platform is installed.
 */
class OpenClRunnerTest {

    @BeforeEach
    void requireOpenCl() {
        OpenClCheck.requirePlatform(getClass());
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void randomKernelsAgreeWithTheReference(DType dtype) throws BackendException {
        SplittableRandom r = new SplittableRandom(dtype.ordinal() * 1000L + 7);
        for (int n = 0; n < 12; n++) {
            KernelSpec kernel = RandomKernels.kernel(r, dtype);
            OpenClCheck.againstReference(kernel, n);
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"int", "kernel", "max", "dot", "exp2", "float4", "main",
        "attn_load", "convert_float"})
    void kernelsNamedAfterKeywordsAndBuiltinsBuildAndRun(String name) throws BackendException {
        // The entry point takes the kernel's name: as a keyword it did not compile, as a builtin
        // the build could not find its kernel (CL_INVALID_KERNEL_NAME).
        KernelSpec kernel = OpenClEmitterTest.parse("kernel " + name + " { shape heads 2, q_len 19, head_dim 8; tile q 8, kv 8; "
                + "mask causal; }");
        OpenClCheck.againstReference(kernel, 5);
    }

    @Test
    void rowsThatSeeNothingGiveZeros() throws BackendException {
        KernelSpec kernel = OpenClEmitterTest.parse("kernel k { shape batch 1, heads 2, q_len 50, kv_len 20, head_dim 8; "
                + "tile q 16, kv 8; mask causal; }");
        Runner.Execution run = OpenClCheck.againstReference(kernel, 3);
        Shape s = kernel.shape();
        for (int h = 0; h < s.heads(); h++) {
            for (int i = 0; i < s.qLen() - s.kvLen(); i++) {
                for (int d = 0; d < s.vDim(); d++) {
                    assertEquals(0.0f, run.out().get(0, h, i, d), "row " + i + " sees no key");
                }
            }
        }
    }

    @Test
    void aNanScoreGivesNanAsInTheReferenceEvenWhenItIsTheRowsOnlyKey() throws BackendException {
        // Key 0 holds a NaN, so its score is NaN for every row. Row 0 sees only key 0 (key 1 of
        // its tile is masked): a maximum that skips NaN left it at -inf, and the row wrote zeros.
        KernelSpec kernel = OpenClEmitterTest.parse("kernel k { shape heads 1, q_len 4, head_dim 2; tile q 4, kv 2; mask causal; }");
        Tensor q = Tensor.random(1, 1, 4, 2, 1);
        Tensor k = Tensor.random(1, 1, 4, 2, 2);
        Tensor v = Tensor.random(1, 1, 4, 2, 3);
        k.data()[0] = Float.NaN;
        Runner.Execution run;
        try (Runner.CompiledKernel compiled = new OpenClRunner().compile(kernel, Runner.RunOptions.DEFAULT)) {
            run = compiled.run(Runner.Inputs.of(kernel, q, k, v));
        }
        double[] expected = ReferenceAttention.run(kernel, q, k, v).out();
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Double.isNaN(expected[i]), "the reference is NaN at " + i);
            assertTrue(Float.isNaN(run.out().data()[i]), "row " + i / 2 + ": " + run.out().data()[i] + ", expected NaN");
        }
    }

    @Test
    void groupedQueryHeadsReadTheirKvHead() throws BackendException {
        KernelSpec kernel = OpenClEmitterTest.parse("kernel k { shape batch 2, heads 6, kv_heads 2, q_len 37, kv_len 61, "
                + "head_dim 12, v_dim 5; dtype f16; tile q 8, kv 16; mask causal; heads 0..2: dense; heads 3..5: window(9); }");
        OpenClCheck.againstReference(kernel, 11);
    }

    @Test
    void headsWithDifferentMasksVisitTheirOwnTiles() throws BackendException {
        KernelSpec kernel = OpenClEmitterTest.parse("kernel k { shape batch 1, heads 4, q_len 96, head_dim 16; dtype bf16; "
                + "tile q 16, kv 16; mask causal; heads 0, 2: dense; heads 1, 3: sink(4) | window(20); }");
        Runner.Execution run = OpenClCheck.againstReference(kernel, 5);
        BlockMap map = BlockMap.of(kernel);
        assertTrue(map.pattern(0, 1).visitedTiles() < map.pattern(0, 0).visitedTiles());
        assertEquals(map.visitedTiles(), run.kvTilesLoaded());
    }

    @Test
    void aDeviceThatIsNotThereIsOneLine() {
        BackendException e = assertThrows(BackendException.class, () -> {
            try (Runner.CompiledKernel k = new OpenClRunner().compile(OpenClEmitterTest.parse(
                    "kernel k { shape batch 1, heads 1, q_len 8, head_dim 4; }"), new Runner.RunOptions("no-such-device-42", 1))) {
                k.kernel();
            }
        });
        assertTrue(e.getMessage().contains("no-such-device-42"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aQueryTileLargerThanAWorkGroupIsRefusedInOneLine() {
        KernelSpec kernel = OpenClEmitterTest.parse("kernel k { shape batch 1, heads 1, q_len 16, head_dim 4; tile q 65536, kv 8; }");
        BackendException e = assertThrows(BackendException.class,
                () -> new OpenClRunner().compile(kernel, Runner.RunOptions.DEFAULT).close());
        assertTrue(e.getMessage().contains("tile q 65536 needs work-groups of 65536 threads"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aCompilerErrorIsTheFirstErrorLineOfTheBuildLog() {
        BackendException e = assertThrows(BackendException.class, () -> OpenClRunner.buildAndRelease(
                "", "__kernel void broken(__global float *o) { o[0] = undeclared_name; }", "broken"));
        assertTrue(e.getMessage().contains("does not build"), e.getMessage());
        assertTrue(e.getMessage().contains("undeclared_name"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aSecondRunOfTheSameCompiledKernelGivesTheSameOutput() throws BackendException {
        KernelSpec kernel = OpenClEmitterTest.parse("kernel k { shape batch 1, heads 2, q_len 33, head_dim 8; tile q 8, kv 8; "
                + "mask causal & document(10, 23); }");
        Shape s = kernel.shape();
        Runner.Inputs in = Runner.Inputs.of(kernel, Tensor.random(1, 2, 33, 8, 1), Tensor.random(1, 2, 33, 8, 2),
                Tensor.random(1, 2, 33, 8, 3));
        try (Runner.CompiledKernel compiled = new OpenClRunner().compile(kernel, Runner.RunOptions.DEFAULT)) {
            Runner.Execution first = compiled.run(in);
            Runner.Execution second = compiled.run(in);
            assertEquals(first.out(), second.out());
            Comparison c = Comparison.of(first.out().data(), ReferenceAttention.run(kernel, in.q(), in.k(), in.v()).out(),
                    Tolerance.of(kernel.dtype()));
            assertTrue(c.passed(), c::toString);
        }
    }
}
