package io.attnkit.bench.sim;

import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Program;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.targets.BuiltinTargets;

/**
 * The simulator's benchmark problem: one Llama-3.1-8B attention layer (32 heads, 8 KV heads,
 * head dimension 128, causal, bf16; arXiv 2407.21783, Table 3) at a given context length, on
 * the built-in {@code h100-sxm}.
 */
final class LlamaLayer {
    private LlamaLayer() {
    }

    static String text(int tokens) {
        return "kernel llama8b { shape batch 1, heads 32, kv_heads 8, q_len " + tokens + ", head_dim 128; "
                + "dtype bf16, accumulate f32; tile q 128, kv 64, stages 2, warps 4; mask causal; target h100-sxm; }";
    }

    static KernelSpec kernel(int tokens) {
        return program(text(tokens)).kernels().getFirst();
    }

    static TargetSpec target() {
        return program("").target("h100-sxm").orElseThrow();
    }

    private static Program program(String text) {
        Frontend.Result r = Frontend.checkText("<bench>", text, BuiltinTargets.library());
        if (!r.ok()) {
            throw new IllegalStateException("benchmark kernel does not check");
        }
        return r.program();
    }
}
