package io.attnkit.dsl.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.blocks.IntervalSet;
import io.attnkit.dsl.blocks.MaskText;
import io.attnkit.dsl.blocks.RowMasks;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.select.Decision;
import io.attnkit.dsl.select.Selector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The float64 reference against an independent NumPy implementation (tools/numpy_attention.py)
 * on random inputs. Skipped, with the reason, where {@code python3} cannot import NumPy.
 */
class NumpyReferenceTest {
    private static Path script;
    private static String unavailable;

    @TempDir
    Path dir;

    @BeforeAll
    static void findNumpy() throws InterruptedException {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("tools/numpy_attention.py"))) {
                script = p.resolve("tools/numpy_attention.py");
                break;
            }
        }
        if (script == null) {
            unavailable = "tools/numpy_attention.py not found above " + Path.of("").toAbsolutePath();
            return;
        }
        try {
            Process p = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true).start();
            boolean done = p.waitFor(60, TimeUnit.SECONDS);
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!done || p.exitValue() != 0) {
                p.destroyForcibly();
                unavailable = "python3 cannot import numpy: " + output;
            }
        } catch (IOException e) {
            unavailable = "python3 not found: " + e.getMessage();
        }
    }

    @BeforeEach
    void requireNumpy() {
        if (unavailable != null) {
            System.err.println("NumpyReferenceTest skipped: " + unavailable);
        }
        Assumptions.assumeTrue(unavailable == null, () -> "skipped: " + unavailable);
    }

    private static final List<String> STATIC_MASKS = List.of(
            "causal", "dense", "sink(3) | window(5)", "prefix(7) | causal", "!window(4) & causal", "DOCUMENTS & causal");

    private static KernelSpec kernel(SplittableRandom r, String headsStatement) {
        int kvHeads = 1 + r.nextInt(2);
        int kvLen = 3 + r.nextInt(60);
        int qLen = 1 + r.nextInt(kvLen + 3);
        List<String> docs = new ArrayList<>();
        for (int left = kvLen; left > 0; ) {
            int len = 1 + r.nextInt(left);
            docs.add(String.valueOf(len));
            left -= len;
        }
        String text = String.format(Locale.ROOT, """
                kernel k {
                  shape batch %d, heads %d, kv_heads %d, q_len %d, kv_len %d, head_dim %d, v_dim %d;
                  dtype %s;
                  scale %s;
                  %s
                }
                """, 1 + r.nextInt(2), kvHeads * (1 + r.nextInt(3)), kvHeads, qLen, kvLen, 1 + r.nextInt(16), 1 + r.nextInt(8),
                List.of("f32", "f16", "bf16").get(r.nextInt(3)), 0.05 + r.nextDouble(),
                headsStatement.replace("DOCUMENTS", "document(" + String.join(", ", docs) + ")"));
        Frontend.Result result = Frontend.checkText("numpy.attn", text, Frontend.Library.EMPTY);
        assertTrue(result.ok(), () -> result.diagnostics() + "\n" + text);
        return result.kernelsOfRoot().getFirst();
    }

    private void runNumpy(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("python3", script.toString()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "numpy_attention.py timed out");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
    }

    /** Runs both on random inputs and compares O: NumPy's float32 output may differ from float64 by its rounding alone. */
    private void compare(KernelSpec kernel, Decision decision, List<String> maskArgs, SplittableRandom r, DType files)
            throws IOException, InterruptedException {
        Shape s = kernel.shape();
        Tensor q = Npy.read(save("q.npy", Tensor.random(s.batch(), s.heads(), s.qLen(), s.headDim(), r.nextLong()), files));
        Tensor k = Npy.read(save("k.npy", Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.headDim(), r.nextLong()), files));
        Tensor v = Npy.read(save("v.npy", Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.vDim(), r.nextLong()), files));
        List<String> args = new ArrayList<>(List.of("--q", dir.resolve("q.npy").toString(), "--k", dir.resolve("k.npy").toString(),
                "--v", dir.resolve("v.npy").toString(), "--out", dir.resolve("o.npy").toString(),
                "--scale", Double.toString(kernel.scale()), "--dtype", kernel.dtype().spelling()));
        args.addAll(maskArgs);
        runNumpy(args);
        Tensor o = Npy.read(dir.resolve("o.npy"));
        ReferenceAttention.Result ref = ReferenceAttention.run(decision.masks(), decision.selection(), q, k, v);
        assertEquals(List.of(s.batch(), s.heads(), s.qLen(), s.vDim()), List.of(o.batch(), o.heads(), o.length(), o.dim()));
        for (int i = 0; i < ref.out().length; i++) {
            double expected = ref.out()[i];
            assertTrue(Math.abs(o.data()[i] - expected) <= 1e-6 * Math.abs(expected) + 1e-12,
                    "element " + i + ": numpy " + o.data()[i] + ", reference " + expected);
        }
    }

    private Path save(String name, Tensor t, DType type) throws IOException {
        Npy.write(dir.resolve(name), t, type);
        return dir.resolve(name);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void staticMasksAgreeWithNumpy(int which) throws Exception {
        SplittableRandom r = new SplittableRandom(which);
        KernelSpec kernel = kernel(r, "mask " + STATIC_MASKS.get(which) + ";");
        Decision decision = Selector.decide(kernel, Tensor.zeros(kernel.shape().batch(), kernel.shape().heads(),
                kernel.shape().qLen(), kernel.shape().headDim()), Tensor.zeros(kernel.shape().batch(), kernel.shape().kvHeads(),
                kernel.shape().kvLen(), kernel.shape().headDim()));
        compare(kernel, decision, List.of("--mask-expr", MaskText.of(kernel.mask())), r, which % 2 == 0 ? DType.F32 : DType.F16);
    }

    @ParameterizedTest
    @ValueSource(ints = {10, 11, 12})
    void selectionsAgreeWithNumpyThroughAnElementMask(int seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        KernelSpec kernel = kernel(r, "mask causal; heads *: sink(1) | topk_blocks(2, 2);");
        Shape s = kernel.shape();
        Tensor q = Tensor.random(s.batch(), s.heads(), s.qLen(), s.headDim(), seed);
        Tensor k = Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.headDim(), seed + 1);
        // The selection is decided on other inputs than the attention runs on: only the mask matters here.
        Decision decision = Selector.decide(kernel, q, k);
        Tensor mask = Tensor.zeros(s.batch(), s.heads(), s.qLen(), s.kvLen());
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.heads(); h++) {
                for (int i = 0; i < s.qLen(); i++) {
                    IntervalSet visible = RowMasks.visible(decision.masks().maskOf(b, h), s, decision.selection(), b, h, i);
                    for (int j = 0; j < s.kvLen(); j++) {
                        mask.data()[mask.offset(b, h, i) + j] = visible.contains(j) ? 1 : 0;
                    }
                }
            }
        }
        compare(kernel, decision, List.of("--mask", save("mask.npy", mask, DType.F32).toString()), r, DType.F32);
    }
}
