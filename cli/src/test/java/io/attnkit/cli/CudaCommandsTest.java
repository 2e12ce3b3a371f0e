package io.attnkit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.attnkit.codegen.cuda.Ptxas;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.reference.Npy;
import io.attnkit.dsl.reference.ReferenceAttention;
import io.attnkit.dsl.reference.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code emit --backend cuda --harness [--write-inputs]} and {@code simulate --occupancy-from-ptxas}. */
class CudaCommandsTest {
    private static final String KERNEL = """
            kernel small_gqa {
              shape batch 1, heads 4, kv_heads 2, q_len 45, kv_len 61, head_dim 32;
              dtype bf16, accumulate f32;
              tile q 64, kv 32, stages 2, warps 4;
              mask causal & window(30);
              target a100-40gb;
            }
            """;

    @TempDir
    Path dir;

    private Path kernelFile() throws IOException {
        Path file = dir.resolve("small.attn");
        Files.writeString(file, KERNEL);
        return file;
    }

    /** --no-expected after an earlier --write-inputs: the old reference output would check the new inputs, so it goes. */
    @Test
    void newInputsWithoutExpectedRemoveTheOldExpected() throws Exception {
        Path out = dir.resolve("again");
        String file = kernelFile().toString();
        assertEquals(0, CliRunner.run("emit", file, "--backend", "cuda", "--harness", "--write-inputs", "-o", out.toString()).exitCode());
        assertTrue(Files.exists(out.resolve("expected.npy")));
        CliRunner r = CliRunner.run("emit", file, "--backend", "cuda", "--harness", "--write-inputs", "--no-expected", "--seed", "2",
                "-o", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(!Files.exists(out.resolve("expected.npy")), r.out());
        assertTrue(r.out().contains("removed " + out.resolve("expected.npy")), r.out());
        assertArrayEquals(Tensor.random(1, 4, 45, 32, 2).data(), Npy.read(out.resolve("q.npy")).data());
    }

    /** The harness, its script and its inputs are one set: when one cannot be written, none is. */
    @Test
    void theHarnessIsWrittenAllOrNone() throws Exception {
        Path out = dir.resolve("blocked");
        Files.createDirectories(out.resolve("expected.npy"));
        CliRunner r = CliRunner.run("emit", kernelFile().toString(), "--backend", "cuda", "--harness", "--write-inputs", "-o", out.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("attnkit: error: '" + out.resolve("expected.npy") + "' is a directory", r.err().strip());
        try (var files = Files.list(out)) {
            assertEquals(java.util.List.of(out.resolve("expected.npy")), files.toList(), "nothing else was written");
        }
    }

    /** expected.npy holds the float64 reference rounded to float32, which attn_npy.h reads; the help once said float64. */
    @Test
    void theReferenceOutputIsFloat32AndTheHelpSaysSo() throws Exception {
        Path out = dir.resolve("f32");
        assertEquals(0, CliRunner.run("emit", kernelFile().toString(), "--backend", "cuda", "--harness", "--write-inputs",
                "-o", out.toString()).exitCode());
        String header = new String(Files.readAllBytes(out.resolve("expected.npy")), 0, 128, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(header.contains("'descr': '<f4'"), header);
        String help = CliRunner.run("emit", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("expected.npy (the float64 reference rounded to float32"), help);
    }

    @Test
    void theHarnessComesWithItsInputsAndTheReferenceOutput() throws Exception {
        Path out = dir.resolve("h");
        CliRunner r = CliRunner.run("emit", kernelFile().toString(), "--backend", "cuda", "--harness", "--write-inputs",
                "--seed", "7", "-o", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        for (String name : new String[] {"small_gqa.cu", "attn_npy.h", "harness.cu", "build.sh", "q.npy", "k.npy", "v.npy",
                "expected.npy"}) {
            assertTrue(Files.exists(out.resolve(name)), name);
        }
        assertTrue(r.out().contains("nvcc -O3 -std=c++17 -arch=sm_80 -o harness harness.cu"), r.out());
        KernelSpec k = Frontend.checkText("small.attn", KERNEL, io.attnkit.targets.BuiltinTargets.library()).kernelsOfRoot().getFirst();
        Tensor q = Npy.read(out.resolve("q.npy"));
        assertArrayEquals(Tensor.random(1, 4, 45, 32, 7).data(), q.data(), "q is run --random's q for the seed");
        double[] expected = ReferenceAttention.run(k, q, Npy.read(out.resolve("k.npy")), Npy.read(out.resolve("v.npy"))).out();
        float[] written = Npy.read(out.resolve("expected.npy")).data();
        for (int i = 0; i < expected.length; i++) {
            assertEquals((float) expected[i], written[i], 0.0f);
        }
    }

    /** A kernel checked for a CPU's caches, not a GPU's shared memory: the cuda backend refuses it, before writing. */
    @Test
    void aCpuTargetIsRefusedByTheCudaBackend() throws IOException {
        Path file = Files.writeString(dir.resolve("host.attn"), KERNEL.replace("a100-40gb", "host-zen5-2c"));
        for (boolean harness : new boolean[] {true, false}) {
            Path out = dir.resolve("out-" + harness);
            CliRunner r = harness
                    ? CliRunner.run("emit", file.toString(), "--backend", "cuda", "--harness", "-o", out.toString())
                    : CliRunner.run("emit", file.toString(), "--backend", "cuda", "-o", out.toString());
            assertEquals(2, r.exitCode(), r.err());
            assertEquals("attnkit: error: kernel 'small_gqa' names target 'host-zen5-2c', a CPU target; the cuda backend "
                    + "needs a GPU target: choose one with --target (a100-40gb, a100-80gb, h100-sxm, h100-pcie, h200)", r.err().strip());
            assertFalse(Files.exists(out), "nothing written");
        }
    }

    @Test
    void aCpuTargetChosenWithTargetIsRefusedByTheCudaBackend() throws IOException {
        Path out = dir.resolve("out");
        CliRunner r = CliRunner.run("emit", kernelFile().toString(), "--backend", "cuda", "--harness", "--target",
                "host-epyc-2c", "-o", out.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("attnkit: error: target 'host-epyc-2c' is a CPU target; the cuda backend needs a GPU target "
                + "(a100-40gb, a100-80gb, h100-sxm, h100-pcie, h200)", r.err().strip());
        assertFalse(Files.exists(out), "nothing written");
    }

    /** --target picks the GPU, and so the arch, for a kernel that names a CPU or no target. */
    @Test
    void targetPicksTheArch() throws IOException {
        Path file = Files.writeString(dir.resolve("host.attn"), KERNEL.replace("a100-40gb", "host-zen5-2c"));
        CliRunner r = CliRunner.run("emit", file.toString(), "--backend", "cuda", "--harness", "--target", "a100-80gb",
                "-o", dir.resolve("a").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().contains("-arch=sm_80 "), r.out());
        r = CliRunner.run("emit", kernelFile().toString(), "--backend", "cuda", "--harness", "--target", "h200",
                "-o", dir.resolve("b").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("-arch=sm_90 "), r.out());
    }

    /** Without any target the harness still builds for sm_90, and says so. */
    @Test
    void noTargetBuildsForSm90WithANote() throws IOException {
        Path file = Files.writeString(dir.resolve("none.attn"), KERNEL.replace("  target a100-40gb;\n", ""));
        CliRunner r = CliRunner.run("emit", file.toString(), "--backend", "cuda", "--harness", "-o", dir.resolve("h").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("-arch=sm_90 "), r.out());
        assertEquals("note: kernel 'small_gqa' names no target: the harness is built for sm_90 (H100, H200); for another "
                + "GPU choose its target with --target (see 'attnkit targets')", r.err().strip());
        r = CliRunner.run("emit", file.toString(), "--backend", "cuda", "-o", dir.resolve("k").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.err(), "the kernel source alone is built for no arch");
    }

    /** OpenCL runs on CPUs too (PoCL): a CPU target is fine there. */
    @Test
    void openClTakesACpuTarget() throws IOException {
        Path file = Files.writeString(dir.resolve("host.attn"), KERNEL.replace("a100-40gb", "host-zen5-2c"));
        CliRunner r = CliRunner.run("emit", file.toString(), "--backend", "opencl", "-o", dir.resolve("cl").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.err());
    }

    @Test
    void runDoesNotRunCuda() throws IOException {
        CliRunner r = CliRunner.run("run", kernelFile().toString(), "--backend", "cuda", "--random");
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("attnkit: error: backend 'cuda' only generates code; backends that run: java, opencl", r.err().strip());
    }

    @Test
    void inputsWithoutAHarnessAreAUsageError() throws IOException {
        CliRunner r = CliRunner.run("emit", kernelFile().toString(), "--backend", "cuda", "--write-inputs", "-o",
                dir.resolve("x").toString());
        assertEquals(2, r.exitCode());
        assertEquals("attnkit: error: --write-inputs and --no-expected go with --harness", r.err().strip());
    }

    @Test
    void ptxasOccupancyExcludesHandGivenResources() throws IOException {
        CliRunner r = CliRunner.run("simulate", kernelFile().toString(), "--occupancy-from-ptxas", "--registers", "128",
                "--smem", "1000");
        assertEquals(2, r.exitCode());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void ptxasOccupancyCompilesForTheTargetsArch() throws IOException {
        assumeTrue(Ptxas.available(), "SKIPPED: nvcc is not on the PATH; --occupancy-from-ptxas was not run");
        CliRunner r = CliRunner.run("simulate", kernelFile().toString(), "--occupancy-from-ptxas");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("ptxas: sm_80 small_gqa: "), r.err());
        assertTrue(r.err().contains("0/0 B spill stores/loads"), r.err());
        assertTrue(r.out().contains("occupancy"), r.out());
    }
}
