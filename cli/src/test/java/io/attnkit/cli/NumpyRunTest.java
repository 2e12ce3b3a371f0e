package io.attnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.codegen.opencl.OpenClRunner;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Comparison;
import io.attnkit.dsl.reference.Npy;
import io.attnkit.dsl.reference.Tensor;
import io.attnkit.dsl.reference.Tolerance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 3's "done means", on the java and the opencl backends: {@code attnkit run} on .npy
 * inputs agrees with an attention computed independently by NumPy ({@code tools/numpy_attention.py}, which parses the mask itself), within
 * the tolerance of the kernel's dtype. Skipped, with the reason printed, where python3 cannot
 * import NumPy, and on opencl where no OpenCL platform is installed.
 */
class NumpyRunTest {
    private static Path script;
    private static String unavailable;

    @TempDir
    Path dir;

    @BeforeAll
    static void findNumpy() throws InterruptedException {
        for (Path p = Path.of("").toAbsolutePath(); p != null && script == null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("tools/numpy_attention.py"))) {
                script = p.resolve("tools/numpy_attention.py");
            }
        }
        if (script == null) {
            unavailable = "tools/numpy_attention.py not found";
            return;
        }
        try {
            Process p = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                unavailable = "python3 cannot import numpy";
            }
        } catch (IOException e) {
            unavailable = "python3 not found: " + e.getMessage();
        }
    }

    @BeforeEach
    void requireNumpy() {
        if (unavailable != null) {
            System.err.println("NumpyRunTest skipped: " + unavailable);
        }
        Assumptions.assumeTrue(unavailable == null, () -> "skipped: " + unavailable);
    }

    /** Shapes, dtypes, tiles and masks, each run on every backend that runs here. */
    private static final String[] CASES = {
            "batch 2, heads 4, kv_heads 2, q_len 77, kv_len 77, head_dim 16; f32; 32; 16; causal",
            "batch 1, heads 3, q_len 50, kv_len 130, head_dim 24, v_dim 8; f32; 16; 32; sink(4) | window(30)",
            "batch 1, heads 2, q_len 90, kv_len 40, head_dim 8; f16; 16; 16; causal",
            "batch 1, heads 4, kv_heads 1, q_len 100, kv_len 100, head_dim 32; bf16; 64; 64; prefix(40) | causal",
            "batch 1, heads 2, q_len 64, kv_len 64, head_dim 16; f16; 16; 8; causal & document(20, 30, 14)",
            "batch 1, heads 2, q_len 70, kv_len 70, head_dim 16; f32; 32; 32; !window(8) & causal",
    };

    static Stream<Arguments> cases() {
        return Stream.of("java", "opencl").flatMap(backend -> Arrays.stream(CASES).map(c -> {
            String[] f = c.split("; ");
            return Arguments.of(backend, f[0], f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), f[4]);
        }));
    }

    @ParameterizedTest(name = "{0}: {1}; {2}; {5}")
    @MethodSource("cases")
    void attnkitRunAgreesWithNumpy(String backend, String shape, String dtype, int qTile, int kvTile, String mask)
            throws Exception {
        if (backend.equals("opencl")) {
            Optional<String> missing = OpenClRunner.unavailable();
            missing.ifPresent(why -> System.err.println("NumpyRunTest on opencl skipped: " + why));
            Assumptions.assumeTrue(missing.isEmpty(), () -> "skipped: " + missing.orElse(""));
        }
        Path file = dir.resolve("k.attn");
        Files.writeString(file, "kernel k { shape " + shape + "; dtype " + dtype + "; tile q " + qTile + ", kv " + kvTile
                + "; mask " + mask + "; }\n");
        KernelSpec kernel = Frontend.check(file, Frontend.Library.EMPTY, Optional.empty()).kernelsOfRoot().getFirst();
        Shape s = kernel.shape();
        DType storage = kernel.dtype() == DType.F16 ? DType.F16 : DType.F32;
        Npy.write(dir.resolve("q.npy"), Tensor.random(s.batch(), s.heads(), s.qLen(), s.headDim(), 1), storage);
        Npy.write(dir.resolve("k.npy"), Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.headDim(), 2), storage);
        Npy.write(dir.resolve("v.npy"), Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.vDim(), 3), storage);

        CliRunner run = CliRunner.run("run", file.toString(), "--backend", backend, "--q", dir.resolve("q.npy").toString(),
                "--k", dir.resolve("k.npy").toString(), "--v", dir.resolve("v.npy").toString(),
                "--out", dir.resolve("o.npy").toString());
        assertEquals(0, run.exitCode(), run.err());

        List<String> command = new ArrayList<>(List.of("python3", script.toString(), "--q", dir.resolve("q.npy").toString(),
                "--k", dir.resolve("k.npy").toString(), "--v", dir.resolve("v.npy").toString(),
                "--out", dir.resolve("numpy.npy").toString(), "--mask-expr", mask, "--dtype", dtype));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "numpy timed out");
        assertEquals(0, p.exitValue(), output);

        Tensor ours = Npy.read(dir.resolve("o.npy"));
        Tensor theirs = Npy.read(dir.resolve("numpy.npy"));
        double[] expected = new double[theirs.data().length];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = theirs.data()[i];
        }
        Comparison c = Comparison.of(ours.data(), expected, Tolerance.of(kernel.dtype()));
        assertTrue(c.passed(), () -> "attnkit run --backend " + backend + " vs NumPy: " + c);
    }
}
