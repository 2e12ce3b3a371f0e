package io.attnkit.codegen.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Origin;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Comparison;
import io.attnkit.dsl.reference.Npy;
import io.attnkit.dsl.reference.ReferenceAttention;
import io.attnkit.dsl.reference.Tensor;
import io.attnkit.dsl.reference.Tolerance;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generated CUDA kernels, both paths, run on the CPU: g++ compiles the {@code .cu} file with
 * {@code emulation.h}, which gives each CUDA thread an OS thread and implements ldmatrix,
 * mma.sync, shuffles and cp.async per lane as the PTX ISA defines them. The output is checked
 * against the float64 reference and the tile counters against the BlockMap, on ragged shapes,
 * GQA, masked rows and mixed dense/sparse heads. This checks the kernel's logic (fragment
 * addressing, pipeline indexing, masks, online softmax), not the GPU's timing or memory model.
 */
class CudaEmulationTest {
    @BeforeAll
    static void needsGpp() {
        assumeTrue(Tools.onPath("g++"), "SKIPPED: g++ is not on the PATH; the CUDA kernels are not emulated");
    }

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {
        // f32 path (the C99 core): GQA, ragged lengths, q_len < kv_len
        "kernel f32_gqa { shape batch 2, heads 4, kv_heads 2, q_len 77, kv_len 93, head_dim 16; dtype f32; "
                + "tile q 32, kv 16; mask causal; }",
        // bf16 tensor cores: dense and streaming heads in one launch, ragged
        "kernel bf16_duo { shape batch 1, heads 4, kv_heads 2, q_len 70, head_dim 32; dtype bf16; "
                + "tile q 64, kv 32, stages 2, warps 4; mask causal; heads 0..1: dense; heads 2..3: sink(4) | window(20); }",
        // f16: documents, v_dim != head_dim, three stages
        "kernel f16_docs { shape batch 2, heads 2, q_len 97, head_dim 32, v_dim 16; dtype f16; "
                + "tile q 32, kv 16, stages 3, warps 2; mask causal & document(40, 30, 27); }",
        // bf16: two row fragments per warp, one stage, q_len < kv_len, prefix-LM
        "kernel bf16_prefix { shape batch 1, heads 2, q_len 40, kv_len 100, head_dim 64; dtype bf16; "
                + "tile q 64, kv 64, stages 1, warps 2; mask prefix(30) | causal; }",
        // f16: q_len > kv_len under causal: the first rows see nothing and give zeros
        "kernel f16_empty_rows { shape batch 1, heads 2, kv_heads 1, q_len 100, kv_len 50, head_dim 16; dtype f16; "
                + "tile q 32, kv 16, warps 2; mask causal; }",
        // bf16: routed heads with a fixed sparse ratio, window without causal
        "router half { pool 8; hidden 2x; sparse_ratio 0.5; } kernel bf16_routed { shape batch 1, heads 4, kv_heads 2, "
                + "q_len 50, head_dim 16; dtype bf16; tile q 32, kv 16, warps 2; mask window(24); "
                + "heads *: route half(dense, sink(4) | window(8)); }",
    })
    void matchesTheReferenceAndTheBlockMap(String text) throws IOException, BackendException {
        KernelSpec kernel = parse(text);
        CudaKernelModel model = CudaKernelModel.of(kernel, Origin.of("test.attn", text.getBytes(StandardCharsets.UTF_8)));
        Files.writeString(dir.resolve("kernel.cu"), CudaEmitter.source(model));
        Files.writeString(dir.resolve("attn_npy.h"), CudaEmitter.npyReader());
        for (String file : List.of("emulation.h", "emulate.cpp")) {
            try (InputStream in = CudaEmulationTest.class.getResourceAsStream(file)) {
                Files.write(dir.resolve(file), in.readAllBytes());
            }
        }
        Shape s = kernel.shape();
        Tensor q = Tensor.random(s.batch(), s.heads(), s.qLen(), s.headDim(), 11);
        Tensor k = Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.headDim(), 12);
        Tensor v = Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.vDim(), 13);
        Npy.write(dir.resolve("q.npy"), q, DType.F32);
        Npy.write(dir.resolve("k.npy"), k, DType.F16);
        Npy.write(dir.resolve("v.npy"), v, DType.F32);
        Tensor kAsRead = Npy.read(dir.resolve("k.npy"));

        Tools.Result built = Tools.run(dir, 300, List.of("g++", "-std=c++20", "-O1", "-pthread",
                "-DATTN_EMULATION_BF16=" + (kernel.dtype() == DType.BF16 ? 1 : 0),
                "-DATTN_KERNEL=" + model.base().function(), "-include", "emulation.h", "-include", "kernel.cu",
                "emulate.cpp", "-o", "emulate"));
        assertEquals(0, built.exitCode(), built.output());
        Tools.Result ran = Tools.run(dir, 300, List.of("./emulate"));
        assertEquals(0, ran.exitCode(), ran.output());

        float[] out = readFloats(dir.resolve("out.f32"), s.batch() * s.heads() * s.qLen() * s.vDim());
        ReferenceAttention.Result expected = ReferenceAttention.run(kernel, q, kAsRead, v);
        Comparison c = Comparison.of(out, expected.out(), Tolerance.of(kernel.dtype()));
        assertTrue(c.passed(), () -> "emulated CUDA kernel differs from the reference: " + c + " (kernel "
                + out[(int) c.firstViolation()] + ", reference " + expected.out()[(int) c.firstViolation()] + ")");
        assertEquals("tiles " + BlockMap.of(kernel).visitedTiles(), ran.output().strip(), "K/V tiles vs the BlockMap");
    }

    static KernelSpec parse(String text) {
        Frontend.Result r = Frontend.checkText("test.attn", text, Frontend.Library.EMPTY);
        assertTrue(r.ok(), () -> r.diagnostics().toString());
        return r.kernelsOfRoot().getFirst();
    }

    private static float[] readFloats(Path file, int n) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(4L * n, b.capacity(), "output size");
        float[] out = new float[n];
        b.asFloatBuffer().get(out);
        return out;
    }
}
