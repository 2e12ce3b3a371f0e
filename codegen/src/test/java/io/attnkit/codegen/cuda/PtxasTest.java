package io.attnkit.codegen.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PtxasTest {
    @Test
    void readsEachEntryFunctionOfTheVerboseReport() {
        String output = """
                llama.cu(41): warning #177-D: function "attn_load" was declared but never referenced
                ptxas info    : 0 bytes gmem
                ptxas info    : Compiling entry function 'llama8b_prefill' for 'sm_90'
                ptxas info    : Function properties for llama8b_prefill
                    40 bytes stack frame, 56 bytes spill stores, 52 bytes spill loads
                ptxas info    : Used 255 registers, used 1 barriers, 40 bytes cumulative stack size
                ptxas info    : Compile time = 2958.440 ms
                ptxas info    : Compiling entry function 'small_prefill' for 'sm_80'
                ptxas info    : Function properties for small_prefill
                    256 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
                ptxas info    : Used 163 registers, used 1 barriers, 256 bytes cumulative stack size, 16384 bytes smem
                """;
        List<KernelResources> r = Ptxas.parse(output);
        assertEquals(List.of(new KernelResources("llama8b_prefill", "sm_90", 255, 0, 0, 40, 56, 52),
                new KernelResources("small_prefill", "sm_80", 163, 16384, 0, 256, 0, 0)), r);
        assertTrue(r.get(0).spills());
        assertTrue(!r.get(1).spills());
    }

    @Test
    void readsTheOlderLayoutWithSmemBeforeTheBarriers() {
        List<KernelResources> r = Ptxas.parse("""
                ptxas info    : Compiling entry function 'k' for 'sm_80'
                ptxas info    : Function properties for k
                    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
                ptxas info    : Used 96 registers, 49152 bytes smem, 388 bytes cmem[0]
                """);
        assertEquals(new KernelResources("k", "sm_80", 96, 49152, 0, 0, 0, 0), r.getFirst());
    }
}
