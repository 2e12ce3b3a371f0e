package io.attnkit.codegen.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Runner;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.reference.ReferenceAttention;
import io.attnkit.dsl.reference.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Generated Java kernels against the float64 reference, and their tile counts against the BlockMap. */
class JavaRunnerTest {

    @RepeatedTest(48)
    void randomKernelsMatchTheReferenceAndLoadExactlyTheBlockMapsTiles(RepetitionInfo info) throws BackendException {
        int n = info.getCurrentRepetition();
        DType dtype = DType.values()[n % DType.values().length];
        KernelSpec kernel = RandomKernels.kernel(new SplittableRandom(7919L * n), dtype);
        Check.againstReference(kernel, n);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "shape heads 2, q_len 70, head_dim 16; tile q 16, kv 16; mask causal;",
            "shape heads 2, q_len 70, head_dim 16; tile q 32, kv 8; mask causal;",
            "shape heads 2, q_len 70, head_dim 16; tile q 8, kv 32; mask causal;",
            "shape heads 2, q_len 90, head_dim 8; tile q 16, kv 16; mask window(20);",
            "shape heads 2, q_len 90, head_dim 8; tile q 16, kv 16; mask sink(4) | window(20);",
            "shape heads 2, q_len 90, head_dim 8; tile q 16, kv 16; mask prefix(30) | causal;",
            "shape heads 2, q_len 90, head_dim 8; tile q 16, kv 16; mask document(17, 40, 33) & causal;",
            "shape heads 2, q_len 90, head_dim 8; tile q 16, kv 16; mask !window(9);",
            "shape heads 2, q_len 90, head_dim 8; tile q 16, kv 16; mask causal & !(sink(5) | window(3));",
            "shape heads 4, kv_heads 2, q_len 21, kv_len 75, head_dim 12, v_dim 5; tile q 8, kv 16; mask causal;",
            "shape heads 4, kv_heads 1, q_len 75, kv_len 21, head_dim 12; tile q 16, kv 8; mask causal;",
            "shape batch 2, heads 6, kv_heads 3, q_len 1, kv_len 100, head_dim 32; tile q 64, kv 32; mask causal;",
            "shape heads 2, q_len 33, head_dim 16; dtype f16; tile q 16, kv 16; mask causal;",
            "shape heads 2, q_len 33, head_dim 16; dtype bf16; tile q 16, kv 16; mask causal;",
            "shape heads 2, q_len 33, head_dim 16; dtype fp8-e4m3; tile q 16, kv 16; mask causal;",
            "shape heads 2, q_len 65, head_dim 130; tile q 64, kv 64;",
    })
    void masksShapesAndTypes(String body) throws BackendException {
        Check.againstReference(Kernels.parse("kernel k { " + body + " }"), body.hashCode());
    }

    @Test
    void headsWithDifferentPatternsRunInOneLaunch() throws BackendException {
        KernelSpec kernel = Kernels.parse("""
                kernel elastic {
                    shape batch 2, heads 8, kv_heads 4, q_len 80, head_dim 16;
                    tile q 16, kv 16;
                    mask causal;
                    heads 0..1, 6: dense;                  // retrieval heads
                    heads 2..5, 7: sink(4) | window(16);   // streaming heads
                }
                """);
        Check.againstReference(kernel, 11);
    }

    /** Every head its own mask, up to the bound: one method per pattern keeps each under 64 KB of bytecode. */
    @Test
    void thousandsOfDistinctHeadMasksCompileUpToTheBound() throws BackendException {
        Check.againstReference(Kernels.parse(distinctHeads(KernelPlan.MAX_PATTERNS)), 5);
        BackendException e = assertThrows(BackendException.class,
                () -> new JavaEmitter().plan(Kernels.parse(distinctHeads(KernelPlan.MAX_PATTERNS + 1))));
        assertEquals("kernel 'many' has 2049 distinct head masks; the java backend compiles at most 2048 in one kernel", e.getMessage());
    }

    /** A document table too long for one class constant (16,384 one-token documents: 92 KB of text) is split and rejoined. */
    @Test
    void documentTablesLongerThanAClassConstantCompile() throws BackendException {
        String lengths = String.join(", ", java.util.Collections.nCopies(16384, "1"));
        assertTrue(String.join(" ", java.util.stream.IntStream.rangeClosed(0, 16384).mapToObj(Integer::toString).toList()).length()
                > 65535, "more than one class constant holds");
        Check.againstReference(Kernels.parse("kernel docs { shape heads 1, q_len 16K, head_dim 8; tile q 64, kv 64; mask document("
                + lengths + ") & causal; }"), 3);
    }

    @Test
    void mostMaskTermsOverAllHeadsAreBounded() {
        StringBuilder b = new StringBuilder("kernel terms {\n  shape heads 40, q_len 64K, head_dim 8;\n");
        for (int h = 0; h < 40; h++) { // 40 distinct masks of 256 terms: 10,240 terms
            StringBuilder mask = new StringBuilder("window(" + (h + 1) + ")");
            for (int t = 1; t < 256; t++) {
                mask.append(" | window(").append(100 * t + h + 1).append(")");
            }
            b.append("  heads ").append(h).append(": ").append(mask).append(";\n");
        }
        BackendException e = assertThrows(BackendException.class, () -> new JavaEmitter().plan(Kernels.parse(b.append("}\n").toString())));
        assertEquals("kernel 'terms' has 10240 mask terms over its 40 distinct head masks; the java backend compiles at most 8192 "
                + "in one kernel", e.getMessage());
    }

    @Test
    void textChunksCutAtSpacesAndRejoin() {
        String text = String.join(" ", java.util.stream.IntStream.range(0, 20_000).mapToObj(Integer::toString).toList());
        List<String> chunks = MaskCode.textChunks(text);
        assertTrue(chunks.size() > 1);
        assertTrue(chunks.stream().allMatch(c -> c.length() <= MaskCode.CHUNK_CHARS && !c.startsWith(" ") && !c.endsWith(" ")));
        assertEquals(text, String.join(" ", chunks));
        assertEquals(List.of("7"), MaskCode.textChunks("7"));
    }

    private static String distinctHeads(int heads) {
        StringBuilder b = new StringBuilder("kernel many {\n  shape heads " + heads + ", q_len 96, head_dim 8;\n  tile q 32, kv 32;\n");
        for (int h = 0; h < heads; h++) { // window lengths 1..23 and sinks 1..89 give each head its own mask
            b.append("  heads ").append(h).append(": window(").append(h % 23 + 1).append(") | sink(").append(h / 23 + 1).append(");\n");
        }
        return b.append("}\n").toString();
    }

    @Test
    void routersWithAFixedRatioAreCompiledIn() throws BackendException {
        KernelSpec kernel = Kernels.parse("""
                router half { sparse_ratio 0.5; }
                kernel routed {
                    shape heads 8, kv_heads 4, q_len 70, head_dim 8;
                    tile q 16, kv 16;
                    mask causal;
                    heads *: route half(dense, sink(4) | window(12));
                }
                """);
        assertTrue(new JavaEmitter().plan(kernel).defaultPattern().isPresent());
        Check.againstReference(kernel, 12);
    }

    @Test
    void rowsThatSeeNothingGetZeros() throws BackendException {
        // Queries outnumber keys: under causal, rows 0..29 sit at negative positions and see nothing.
        KernelSpec kernel = Kernels.parse("kernel k { shape heads 1, q_len 50, kv_len 20, head_dim 8; tile q 16, kv 8; mask causal; }");
        Tensor out = Check.againstReference(kernel, 5).out();
        for (int i = 0; i < 50; i++) {
            for (int d = 0; d < 8; d++) {
                float x = out.get(0, 0, i, d);
                if (i < 30) {
                    assertEquals(0f, x, "row " + i);
                } else {
                    assertTrue(x != 0f, "row " + i + " sees keys");
                }
            }
        }
    }

    @Test
    void aMaximumThatDoesNotMoveRescalesByExactlyOne() throws BackendException {
        // Q = 0: every score is 0, so after the first tile the running maximum never moves. V is +1
        // on the first half of the keys and -1 on the second, so O is 0. A rescale factor of
        // 2^0 = 1 + 2^-23 (the polynomial's constant term) applied at each of 4096 one-key tiles
        // weighs the early keys more and gave O = 1.2e-4, six times the f32 tolerance.
        KernelSpec kernel = Kernels.parse("kernel k { shape heads 1, q_len 1, kv_len 4096, head_dim 4, v_dim 1; tile q 16, kv 1; }");
        Tensor v = Tensor.zeros(1, 1, 4096, 1);
        for (int j = 0; j < 4096; j++) {
            v.data()[j] = j < 2048 ? 1 : -1;
        }
        Tensor q = Tensor.zeros(1, 1, 1, 4);
        Tensor k = Tensor.random(1, 1, 4096, 4, 3);
        Tensor out = Check.againstReference(kernel, Runner.Inputs.of(kernel, q, k, v), BlockMap.of(kernel),
                ReferenceAttention.run(kernel, q, k, v)).out();
        assertTrue(Math.abs(out.get(0, 0, 0, 0)) < 1e-6, () -> "O = " + out.get(0, 0, 0, 0) + ", expected 0");
    }

    @Test
    void scoresFarApartUnderflowToZeroInsteadOfWrapping() throws BackendException {
        // Q scaled by 100: scores spread over hundreds of units of log2, so within a tile many
        // 2^(s - m) fall below 2^-127, and across tiles the running maximum jumps by more than
        // 127, so the rescale factor of what was accumulated underflows too. Ragged tiles and a
        // causal mask put -inf beside them.
        KernelSpec kernel = Kernels.parse("kernel k { shape heads 2, q_len 77, head_dim 16; tile q 16, kv 16; mask causal; }");
        Check.Inputs in = Check.Inputs.random(kernel, 11);
        float[] q = in.q().data();
        for (int i = 0; i < q.length; i++) {
            q[i] *= 100;
        }
        Runner.Inputs inputs = Runner.Inputs.of(kernel, in.q(), in.k(), in.v());
        Check.againstReference(kernel, inputs, BlockMap.of(kernel),
                ReferenceAttention.run(kernel, in.q(), in.k(), in.v()));
    }

    @Test
    void wrongInputShapesAreRefused() throws BackendException {
        KernelSpec kernel = Kernels.parse("kernel k { shape heads 2, q_len 10, head_dim 8; }");
        try (Runner.CompiledKernel c = new JavaRunner().compile(kernel, Runner.RunOptions.DEFAULT)) {
            Tensor good = Tensor.random(1, 2, 10, 8, 1);
            Tensor bad = Tensor.random(1, 2, 11, 8, 1);
            BackendException e = assertThrows(BackendException.class, () -> c.run(Runner.Inputs.of(kernel, good, bad, good)));
            assertEquals("k has shape [1, 2, 11, 8], the kernel expects [1, 2, 10, 8]", e.getMessage());
        }
    }
}
