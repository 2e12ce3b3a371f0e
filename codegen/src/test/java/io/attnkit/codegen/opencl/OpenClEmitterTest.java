package io.attnkit.codegen.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.GeneratedFile;
import io.attnkit.codegen.Origin;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenClEmitterTest {
    static KernelSpec parse(String text) {
        Frontend.Result r = Frontend.checkText("test.attn", text, Frontend.Library.EMPTY);
        assertTrue(r.ok(), () -> r.diagnostics().toString());
        return r.kernelsOfRoot().getFirst();
    }

    @Test
    void writesOneReadableFileNamedAfterTheKernelWithItsOrigin() throws BackendException {
        String text = "kernel packed { shape batch 1, heads 4, kv_heads 2, q_len 100, head_dim 16; dtype bf16; "
                + "tile q 32, kv 16; mask causal & document(40, 60); heads 0..1: dense; heads 2..3: sink(4) | window(20); }";
        Origin origin = Origin.of("packed.attn", text.getBytes(StandardCharsets.UTF_8));
        List<GeneratedFile> files = new OpenClEmitter().emit(parse(text), origin);
        assertEquals(1, files.size());
        GeneratedFile f = files.getFirst();
        assertEquals("packed.cl", f.path());
        String src = f.content();
        assertTrue(src.contains(origin.describe()), src);
        assertTrue(src.contains("__kernel void packed("), src);
        assertTrue(src.contains("causal & document(40, 60)"), src);
        assertTrue(src.contains("(causal & document(40, 60)) & (sink(4) | window(20))"), src);
        assertTrue(src.contains("as_float("), "bf16 widened by its bits");
        assertFalse(src.contains("$"), "no template text left over");
    }

    @Test
    void theHeaderCountsTilesOverTheLaunchAndPerBatchElement() throws BackendException {
        // 5 tiles in head 0 and 6 in head 1, 3 batch elements: 11 per batch element, 33 in all
        String text = "kernel two { shape batch 3, heads 2, q_len 64, head_dim 16; dtype f32; tile q 32, kv 16; "
                + "heads 0: window(8); heads 1: causal; }";
        String src = new OpenClEmitter().emit(parse(text), Origin.of("two.attn", new byte[0])).getFirst().content();
        assertTrue(src.contains(" * patterns (33 K/V tiles in all, 11 per batch element):\n"), src);
        assertTrue(src.contains("(heads 0; 5 tiles per head, 0 FULL)"), src);
        assertTrue(src.contains("(heads 1; 6 tiles per head, 2 FULL)"), src);
    }

    @Test
    void refusesDataDependentMasksInOneLine() {
        KernelSpec k = parse("kernel moba { shape batch 1, heads 2, q_len 256, head_dim 16; tile q 32, kv 32; "
                + "mask causal & topk_blocks(block 64, k 2); }");
        BackendException e = assertThrows(BackendException.class,
                () -> new OpenClEmitter().emit(k, Origin.of("moba.attn", new byte[0])));
        assertTrue(e.getMessage().contains("static masks only"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
