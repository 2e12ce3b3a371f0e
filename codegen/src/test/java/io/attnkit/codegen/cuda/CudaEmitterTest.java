package io.attnkit.codegen.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Backends;
import io.attnkit.codegen.GeneratedFile;
import io.attnkit.codegen.Origin;
import io.attnkit.dsl.model.KernelSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CudaEmitterTest {
    private static final String ELASTIC = "kernel elastic { shape batch 1, heads 4, kv_heads 2, q_len 100, head_dim 64; "
            + "dtype bf16; tile q 64, kv 32, stages 3, warps 2; mask causal; heads 0..1: dense; heads 2..3: sink(4) | window(20); }";

    private static String emit(String text) throws BackendException {
        List<GeneratedFile> files = Backends.emitter("cuda").emit(CudaEmulationTest.parse(text),
                Origin.of("t.attn", text.getBytes(StandardCharsets.UTF_8)));
        assertEquals(1, files.size());
        return files.getFirst().content();
    }

    @Test
    void bf16RunsOnTheTensorCoresWithBothPatternsInOneLaunch() throws BackendException {
        String src = emit(ELASTIC);
        assertTrue(src.startsWith("/*\n * " + Origin.of("t.attn", ELASTIC.getBytes(StandardCharsets.UTF_8)).describe()), src);
        assertTrue(src.contains("extern \"C\" __global__ void __launch_bounds__(ATTN_THREADS) elastic("), src);
        assertTrue(src.contains("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32"), "bf16 mma");
        assertTrue(src.contains("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16"), "V through ldmatrix.trans");
        assertTrue(src.contains("cp.async.wait_group"), "cp.async pipeline");
        assertTrue(src.contains("#define ATTN_STAGES        3"), src);
        assertTrue(src.contains("#define ATTN_THREADS    64"), "2 warps");
        assertTrue(src.contains("static __constant__ const int ATTN_HEAD_PATTERN[4] = {\n    0, 0, 1, 1\n};"), src);
        assertTrue(src.contains("causal & (sink(4) | window(20))"), src);
        assertFalse(src.contains("$"), "no template text left over");
    }

    @Test
    void theHeaderCountsTilesOverTheLaunchAndPerBatchElement() throws BackendException {
        // 7 tiles a head, 6 heads, 5 batch elements: the header once called the launch's 210 "per batch element"
        String src = emit("kernel docs { shape batch 5, heads 6, kv_heads 2, q_len 77, kv_len 131, head_dim 48, v_dim 32; "
                + "dtype f16; tile q 64, kv 32, stages 3; mask causal & document(31, 50, 50); }");
        assertTrue(src.contains(" * patterns (210 K/V tiles in all, 42 per batch element):\n"), src);
        assertTrue(src.contains("(heads 0 1 2 3 4 5; 7 tiles per head, 0 FULL)"), src);
    }

    @Test
    void f32UsesTheSharedCoreKernelWithoutTensorCores() throws BackendException {
        String src = emit("kernel plain { shape batch 1, heads 2, q_len 50, head_dim 16; dtype f32; tile q 32, kv 16; mask causal; }");
        assertTrue(src.contains("extern \"C\" __global__ void plain("), src);
        assertFalse(src.contains("mma.sync"), "no tensor cores for f32");
        assertTrue(src.contains("__shared__ float tile[ATTN_KV_TILE * ATTN_TILE_DIM];"), src);
    }

    @Test
    void refusesWhatTheTensorCoreKernelCannotTileInOneLine() {
        for (String[] c : new String[][] {
            {"tile q 48, kv 32, warps 4", "tile q a multiple of 16 x warps (64), not 48"},
            {"tile q 64, kv 24, warps 4", "tile kv a multiple of 16, not 24"},
        }) {
            KernelSpec k = CudaEmulationTest.parse("kernel t { shape batch 1, heads 1, q_len 64, head_dim 32; dtype f16; "
                    + c[0] + "; }");
            BackendException e = assertThrows(BackendException.class, () -> CudaKernelModel.of(k, Origin.of("t", new byte[0])));
            assertTrue(e.getMessage().endsWith(c[1]), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
        KernelSpec odd = CudaEmulationTest.parse("kernel t { shape batch 1, heads 1, q_len 64, head_dim 40; dtype f16; }");
        assertThrows(BackendException.class, () -> CudaKernelModel.of(odd, Origin.of("t", new byte[0])));
    }

    @Test
    void refusesDataDependentMasksInOneLine() {
        KernelSpec k = CudaEmulationTest.parse("kernel moba { shape batch 1, heads 2, q_len 256, head_dim 16; tile q 32, kv 32; "
                + "mask causal & topk_blocks(block 64, k 2); }");
        BackendException e = assertThrows(BackendException.class, () -> CudaKernelModel.of(k, Origin.of("m", new byte[0])));
        assertTrue(e.getMessage().contains("the cuda backend compiles static masks only"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
