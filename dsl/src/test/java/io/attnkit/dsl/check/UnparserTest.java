package io.attnkit.dsl.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.model.Program;
import io.attnkit.dsl.source.DiagnosticRenderer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/** Models written as source and checked again come back equal, for random models. */
class UnparserTest {

    private static Program reread(String text) {
        Frontend.Result r = Frontend.checkText("unparsed.attn", text, Frontend.Library.EMPTY);
        assertTrue(r.ok(), () -> text + "\n" + r.diagnostics().sorted().stream().map(DiagnosticRenderer::render)
                .collect(Collectors.joining()));
        return r.program();
    }

    @RepeatedTest(200)
    void aRandomProgramReadsBackEqual(RepetitionInfo repetition) {
        Program program = new ModelGenerator(repetition.getCurrentRepetition()).program();
        String text = Unparser.print(program);
        Program back = reread(text);
        assertEquals(program, back, text);
        assertEquals(text, Unparser.print(back), "unparsing is a function of the model");
    }

    @Test
    void defaultsAreWrittenOut() {
        Program p = reread("""
                kernel k {
                  shape heads 4, q_len 1K, head_dim 64;
                }
                """);
        assertEquals("""
                kernel k {
                  shape batch 1, heads 4, kv_heads 4, q_len 1024, kv_len 1024, head_dim 64, v_dim 64;
                  dtype f32, accumulate f32;
                  scale 0.125;
                  tile q 64, kv 64, stages 2, warps 4;
                  mask dense;
                  heads *: dense;
                }
                """, Unparser.print(p.kernels().getFirst()));
    }

    @Test
    void routedAndMixedHeadsKeepTheirGroups() {
        Program p = reread("""
                router r { sparse_ratio 50%; }
                kernel k {
                  shape heads 8, kv_heads 2, q_len 4K, head_dim 64;
                  dtype bf16;
                  mask causal;
                  heads 0..3: dense;
                  heads 4..7: route r(dense, sink(4) | window(256));
                }
                """);
        assertEquals("""
                kernel k {
                  shape batch 1, heads 8, kv_heads 2, q_len 4096, kv_len 4096, head_dim 64, v_dim 64;
                  dtype bf16, accumulate f32;
                  scale 0.125;
                  tile q 64, kv 64, stages 2, warps 4;
                  mask causal;
                  heads 0..3: dense;
                  heads 4..7: route r(dense, sink(4) | window(256));
                }
                """, Unparser.print(p.kernels().getFirst()));
    }
}
