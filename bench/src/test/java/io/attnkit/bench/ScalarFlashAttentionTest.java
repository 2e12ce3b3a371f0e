package io.attnkit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.reference.Comparison;
import io.attnkit.dsl.reference.ReferenceAttention;
import io.attnkit.dsl.reference.Tensor;
import io.attnkit.dsl.reference.Tolerance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The baseline is only worth comparing against if it computes the same thing. */
class ScalarFlashAttentionTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "shape heads 4, kv_heads 2, q_len 70, kv_len 90, head_dim 16; tile q 16, kv 32; mask causal;",
            "shape heads 2, q_len 100, head_dim 8, v_dim 5; tile q 32, kv 16; mask sink(4) | window(10);",
            "shape heads 2, q_len 50, kv_len 20, head_dim 8; tile q 16, kv 8; mask causal;",
    })
    void matchesTheReference(String body) {
        KernelSpec kernel = Frontend.checkText("t.attn", "kernel t { " + body + " }", Frontend.Library.EMPTY)
                .kernelsOfRoot().getFirst();
        var s = kernel.shape();
        Tensor q = Tensor.random(s.batch(), s.heads(), s.qLen(), s.headDim(), 1);
        Tensor k = Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.headDim(), 2);
        Tensor v = Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.vDim(), 3);
        ScalarFlashAttention.Result r = new ScalarFlashAttention(kernel).run(q, k, v, 2);
        Comparison c = Comparison.of(r.out().data(), ReferenceAttention.run(kernel, q, k, v).out(), Tolerance.of(kernel.dtype()));
        assertTrue(c.passed(), c.toString());
        assertEquals(BlockMap.of(kernel).visitedTiles(), r.tiles());
    }
}
