package io.attnkit.codegen.c;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Kernel names as the entry points of the C-family backends. */
class CKernelModelTest {

    @ParameterizedTest
    @CsvSource({
        "llama8b-decode, llama8b_decode",
        "streaming_llama2_7b, streaming_llama2_7b",
        "7b, k_7b",
        "int, k_int",
        "kernel, k_kernel",
        "class, k_class",
        "max, k_max",
        "exp2, k_exp2",
        "float4, k_float4",
        "uint16, k_uint16",
        "convert_half, k_convert_half",
        "attn_visible, k_attn_visible",
        "__init, k___init",
        "maximum, maximum",
        "float5, float5",
        "dotty, dotty"})
    void namesThatWouldClashGetAPrefix(String name, String function) {
        assertEquals(function, CKernelModel.identifier(name));
    }
}
