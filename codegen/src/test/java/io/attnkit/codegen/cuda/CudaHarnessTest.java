package io.attnkit.codegen.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.GeneratedFile;
import io.attnkit.codegen.Origin;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.reference.Npy;
import io.attnkit.dsl.reference.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CudaHarnessTest {
    private static final String KERNEL = "kernel h_small { shape batch 1, heads 4, kv_heads 2, q_len 70, kv_len 90, "
            + "head_dim 32; dtype f16; tile q 64, kv 32, warps 4; mask causal & window(40); }";

    @TempDir
    Path dir;

    /** attn_npy.h, compiled alone by g++, reads what Npy writes: float32 and float16, values exactly. */
    @Test
    void theNpyReaderReadsWhatNpyWrites() throws IOException, BackendException {
        compileWithTheReader("dump", """
                #include "attn_npy.h"
                int main(int argc, char **argv) {
                    attn_npy a;
                    std::string error;
                    if (!attn_npy_read(argv[1], &a, &error)) { std::printf("error %s\\n", error.c_str()); return 1; }
                    for (long long n : a.shape) std::printf("%lld ", n);
                    std::printf("\\n");
                    for (float x : a.data) std::printf("%a\\n", x);
                    return 0;
                }
                """);
        Tensor t = Tensor.random(2, 3, 7, 5, 42);
        float[] special = t.data();
        special[0] = 6.0e-8f; // an f16 subnormal
        special[1] = -65504f;
        special[2] = Float.POSITIVE_INFINITY;
        special[3] = -0.0f;
        for (DType type : List.of(DType.F32, DType.F16)) {
            Path file = dir.resolve(type + ".npy");
            Npy.write(file, t, type);
            Tensor expected = Npy.read(file);
            Tools.Result read = Tools.run(dir, 60, List.of("./dump", file.getFileName().toString()));
            assertEquals(0, read.exitCode(), read.output());
            List<String> lines = read.output().lines().toList();
            assertEquals("2 3 7 5", lines.getFirst().strip());
            assertEquals(expected.data().length, lines.size() - 1);
            for (int i = 0; i < expected.data().length; i++) {
                assertEquals(expected.data()[i], Float.parseFloat(hexToJava(lines.get(i + 1))), 0.0, type + " value " + i);
            }
        }
        Files.writeString(dir.resolve("bad.npy"), "not numpy");
        Tools.Result bad = Tools.run(dir, 60, List.of("./dump", "bad.npy"));
        assertEquals(1, bad.exitCode());
        assertTrue(bad.output().contains("bad.npy: not a .npy file"), bad.output());
    }

    /**
     * attn_npy_has_shape, which the harness applies to every input, refuses the right number of
     * values in another layout: [batch, len, heads, dim] (flash-attn's) or another rank.
     */
    @Test
    void theNpyReaderRefusesTheRightCountInTheWrongShape() throws IOException, BackendException {
        compileWithTheReader("shape", """
                #include "attn_npy.h"
                int main(int argc, char **argv) {
                    attn_npy a;
                    std::string error;
                    if (!attn_npy_read(argv[1], &a, &error) || !attn_npy_has_shape(a, {1, 2, 8, 4}, argv[1], &error)) {
                        std::printf("error %s\\n", error.c_str());
                        return 1;
                    }
                    return 0;
                }
                """);
        Npy.write(dir.resolve("bhsd.npy"), Tensor.random(1, 2, 8, 4, 1), DType.F32);
        assertEquals(0, Tools.run(dir, 60, List.of("./shape", "bhsd.npy")).exitCode());
        Npy.write(dir.resolve("bshd.npy"), Tensor.random(1, 8, 2, 4, 1), DType.F32);
        Tools.Result bshd = Tools.run(dir, 60, List.of("./shape", "bshd.npy"));
        assertEquals(1, bshd.exitCode());
        assertEquals("error bshd.npy has shape [1, 8, 2, 4], the kernel expects [1, 2, 8, 4] ([batch, heads, len, dim])",
                bshd.output().strip());
        Files.write(dir.resolve("rank3.npy"), npyOfShape("(16, 8, 4)", 16 * 8 * 4));
        Tools.Result rank3 = Tools.run(dir, 60, List.of("./shape", "rank3.npy"));
        assertEquals(1, rank3.exitCode());
        assertTrue(rank3.output().contains("has shape [16, 8, 4], the kernel expects"), rank3.output());
    }

    /** g++ builds {@code name} from {@code program} beside attn_npy.h, alone. */
    private void compileWithTheReader(String name, String program) throws IOException, BackendException {
        assumeTrue(Tools.onPath("g++"), "SKIPPED: g++ is not on the PATH; attn_npy.h was not compiled");
        Files.writeString(dir.resolve("attn_npy.h"), CudaEmitter.npyReader());
        Files.writeString(dir.resolve(name + ".cpp"), program);
        Tools.Result built = Tools.run(dir, 120, List.of("g++", "-std=c++17", "-Wall", "-Werror", name + ".cpp", "-o", name));
        assertEquals(0, built.exitCode(), built.output());
    }

    /** A version 1.0 .npy of {@code count} float32 zeros whose header declares {@code shape}. */
    private static byte[] npyOfShape(String shape, int count) {
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        header += " ".repeat(63 - (10 + header.length()) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 4 * count).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    /** C's %a ("0x1.8p+1", "inf") as Java's Float.parseFloat reads it. */
    private static String hexToJava(String c) {
        return switch (c.strip()) {
            case "inf" -> "Infinity";
            case "-inf" -> "-Infinity";
            default -> c.strip();
        };
    }

    /** GPUs older than sm_80 lack what the kernels use: refused before any file is written, not by nvcc after. */
    @Test
    void archsOlderThanAmpereAreRefused() throws BackendException {
        KernelSpec kernel = CudaEmulationTest.parse(KERNEL);
        Origin origin = Origin.of("h.attn", KERNEL.getBytes(StandardCharsets.UTF_8));
        for (String old : List.of("sm_70", "sm_75", "sm_61")) {
            BackendException e = org.junit.jupiter.api.Assertions.assertThrows(BackendException.class,
                    () -> CudaHarness.files(kernel, origin, old));
            assertEquals("the CUDA backend's kernels need sm_80 or later (cp.async, ldmatrix, mma.sync m16n8k16 in f16 "
                    + "and bf16); the target is " + old, e.getMessage());
        }
        for (String supported : List.of("sm_80", "sm_86", "sm_90a", "sm_100")) {
            assertEquals(4, CudaHarness.files(kernel, origin, supported).size(), supported);
        }
    }

    @Test
    void theHarnessBuildsWithTheNvccCommandItPrints() throws IOException, BackendException {
        KernelSpec kernel = CudaEmulationTest.parse(KERNEL);
        List<GeneratedFile> files = CudaHarness.files(kernel, Origin.of("h.attn", KERNEL.getBytes(StandardCharsets.UTF_8)),
                "sm_90");
        Map<String, String> byName = files.stream().collect(Collectors.toMap(GeneratedFile::path, GeneratedFile::content));
        assertEquals(List.of("h_small.cu", "attn_npy.h", "harness.cu", "build.sh"), files.stream().map(GeneratedFile::path).toList());
        assertTrue(byName.get("build.sh").contains(CudaHarness.nvccCommand("sm_90")), byName.get("build.sh"));
        assertTrue(byName.get("harness.cu").contains("#define ATTN_EXPECTED_TILES "), "tile check");
        assumeTrue(Ptxas.available(), "SKIPPED: nvcc is not on the PATH; the harness was not compiled");
        for (GeneratedFile f : files) {
            Files.writeString(dir.resolve(f.path()), f.content());
        }
        Tools.Result built = Tools.run(dir, 600, List.of("sh", "build.sh"));
        assertEquals(0, built.exitCode(), built.output());
        assertTrue(Files.isExecutable(dir.resolve("harness")));
        // Inputs are read before any CUDA call, so this part runs without a GPU: q in [batch, len, heads, dim].
        Files.createDirectories(dir.resolve("bshd"));
        Npy.write(dir.resolve("bshd/q.npy"), Tensor.random(1, 70, 4, 32, 1), DType.F16);
        Tools.Result refused = Tools.run(dir, 60, List.of("./harness", "bshd"));
        assertEquals(2, refused.exitCode(), refused.output());
        assertEquals("bshd/q.npy has shape [1, 70, 4, 32], the kernel expects [1, 4, 70, 32] ([batch, heads, len, dim])",
                refused.output().strip());
    }
}
