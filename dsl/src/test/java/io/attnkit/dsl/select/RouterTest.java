package io.attnkit.dsl.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.blocks.Routing;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.HeadGroup.HeadMode;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.RouterSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Elastic Attention router: a hand-computed MLP, weights read from safetensors, and one-line errors for bad files. */
class RouterTest {
    private static final String KERNEL = """
            router r { pool 2; hidden 1x; weights "r.safetensors"; }
            router half { sparse_ratio 0.5; }
            kernel k {
              shape batch 2, heads 8, kv_heads 4, q_len 4, kv_len 4, head_dim 1;
              dtype f32;
              tile q 2, kv 2;
              mask causal;
              heads 0..3: route r(dense, window(1));
              heads 4..7: route half(dense, sink(1));
            }
            """;

    @TempDir
    Path dir;

    /** w1 = [[1, 0], [0, -1]], b1 = [0, 0.5], w2 = [[1, -2]], b2 = -0.25: every value exact in bf16 and f16. */
    private void writeWeights(String dtype) throws IOException {
        new SafetensorsWriter()
                .add("w1", dtype, new long[] {2, 2}, 1, 0, 0, -1)
                .add("b1", dtype, new long[] {2}, 0, 0.5)
                .add("w2", dtype, new long[] {1, 2}, 1, -2)
                .add("b2", dtype, new long[] {1}, -0.25)
                .write(dir.resolve("r.safetensors"));
    }

    private KernelSpec kernel() throws IOException, InputException {
        Path file = dir.resolve("k.attn");
        Files.writeString(file, KERNEL);
        Frontend.Result result = Frontend.check(file, Frontend.Library.EMPTY, Optional.empty());
        assertTrue(result.ok(), result.diagnostics().toString());
        return result.kernelsOfRoot().getFirst();
    }

    /** KV head 0 holds keys 1, 3, 5, 7; KV head 1 holds -1, -3, -5, -7; batch 1 swaps them. */
    private static Tensor keys() {
        float[] k = new float[2 * 4 * 4];
        for (int j = 0; j < 4; j++) {
            k[j] = 2 * j + 1;
            k[4 + j] = -(2 * j + 1);
            k[16 + j] = -(2 * j + 1);
            k[16 + 4 + j] = 2 * j + 1;
        }
        return new Tensor(2, 4, 4, 1, k);
    }

    @ParameterizedTest
    @ValueSource(strings = {"F32", "BF16", "F16"})
    void routesByTheSignOfAHandComputedMlp(String dtype) throws Exception {
        writeWeights(dtype);
        KernelSpec kernel = kernel();
        RouterSpec router = ((HeadMode.Routed) kernel.groups().getFirst().mode()).router();
        RouterWeights w = RouterWeights.load(dir.resolve("r.safetensors"), router, 1);
        // x = [2, 6]: z = w1 x + b1 = [2, -5.5], score = silu(2) - 2 silu(-5.5) - 0.25, evaluated by hand in float64.
        assertEquals(1.556365670830622, w.score(new double[] {2, 6}), 1e-15);
        assertEquals(-13.468890474706654, w.score(new double[] {-2, -6}), 1e-15);

        Tensor q = Tensor.random(2, 8, 4, 1, 7);
        Decision d = Selector.decide(kernel, q, keys());
        Routing routing = d.masks().routing();
        assertTrue(routing.sparse(0, 0), "batch 0, KV head 0: positive score");
        assertFalse(routing.sparse(0, 1), "batch 0, KV head 1: negative score");
        assertFalse(routing.sparse(1, 0));
        assertTrue(routing.sparse(1, 1));
        // The fixed-ratio router keeps its decision: the last half of its KV heads.
        assertFalse(routing.sparse(0, 2));
        assertTrue(routing.sparse(0, 3));
        assertTrue(routing.sparse(1, 3));
        Mask causal = kernel.mask();
        assertEquals(Mask.and(causal, new Mask.Window(1, Kernels.S)), d.masks().maskOf(0, 1), "query head 1 reads KV head 0");
        assertEquals(causal, d.masks().maskOf(0, 2));
        assertEquals(Mask.and(causal, new Mask.Sink(1, Kernels.S)), d.masks().maskOf(1, 7));
    }

    @Test
    void featuresAreTheBoundaryMeansOfTheRoundedKeys() {
        Tensor k = new Tensor(1, 1, 5, 2, new float[] {1, 10, 2, 20, 3, 30, 4, 40, 5, 50});
        KernelSpec kernel = Kernels.uniform(new Shape(1, 1, 1, 1, 5, 2, 2, Kernels.S), DType.F32, new Mask.Causal(Kernels.S));
        Inputs in = Inputs.ofKeys(kernel, k);
        assertEquals(List.of(1.5, 15.0, 4.5, 45.0), boxed(Router.features(in, 2, 0, 0)));
        assertEquals(List.of(3.0, 30.0, 3.0, 30.0), boxed(Router.features(in, 100, 0, 0)), "pool longer than kv_len");
    }

    private static List<Double> boxed(double[] x) {
        return Arrays.stream(x).boxed().toList();
    }

    private String errorFor(Path weights) throws Exception {
        KernelSpec kernel = kernel();
        WeightsException e = assertThrows(WeightsException.class,
                () -> Selector.decide(kernel, Tensor.random(2, 8, 4, 1, 1), keys()));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(weights.toString() + ": "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aMissingFileIsOneLine() throws Exception {
        assertTrue(errorFor(dir.resolve("r.safetensors")).endsWith("no such file"));
    }

    @Test
    void aDirectoryIsOneLine() throws Exception {
        Files.createDirectory(dir.resolve("r.safetensors"));
        assertTrue(errorFor(dir.resolve("r.safetensors")).contains("is a directory"));
    }

    @Test
    void malformedFilesAreOneLine() throws Exception {
        Path f = dir.resolve("r.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        assertTrue(errorFor(f).contains("not a safetensors file"));

        Files.write(f, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        assertTrue(errorFor(f).contains("header length 1099511627776 does not fit"));

        SafetensorsWriter.writeRaw(f, "{\"w1\": [", new byte[0]);
        assertTrue(errorFor(f).contains("malformed JSON header"));

        SafetensorsWriter.writeRaw(f, "[1, 2]", new byte[0]);
        assertTrue(errorFor(f).contains("not an object"));

        SafetensorsWriter.writeRaw(f, "{\"w1\": {\"dtype\": \"F32\", \"shape\": [2, 2]}}", new byte[0]);
        assertTrue(errorFor(f).contains("tensor 'w1' needs \"dtype\", \"shape\" and two \"data_offsets\""));

        SafetensorsWriter.writeRaw(f, "{\"w1\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 16]}}", new byte[8]);
        assertTrue(errorFor(f).contains("outside the 8 bytes of data"));

        SafetensorsWriter.writeRaw(f, "{\"w1\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 12]}}", new byte[16]);
        assertTrue(errorFor(f).contains("needs 16 bytes, its data_offsets give 12"));

        SafetensorsWriter.writeRaw(f, "{\"w1\": {\"dtype\": \"Q4\", \"shape\": [2, 2], \"data_offsets\": [0, 12]}}", new byte[16]);
        assertTrue(errorFor(f).contains("unknown dtype 'Q4'"));

        SafetensorsWriter.writeRaw(f, "{\"a\": 1, \"a\": 2}", new byte[0]);
        assertTrue(errorFor(f).contains("malformed JSON header: Duplicate field 'a'"));
    }

    @Test
    void missingTensorsWrongShapesAndTypesAreOneLine() throws Exception {
        Path f = dir.resolve("r.safetensors");
        new SafetensorsWriter().add("w1", "F32", new long[] {2, 2}, 1, 0, 0, -1).write(f);
        assertTrue(errorFor(f).contains("no tensor 'b1' (the file has w1)"));

        new SafetensorsWriter()
                .add("w1", "F32", new long[] {3, 2}, 1, 0, 0, -1, 0, 0)
                .add("b1", "F32", new long[] {3}, 0, 0, 0)
                .write(f);
        assertTrue(errorFor(f).contains("tensor 'w1' has shape [3, 2], expected [2, 2] (for router 'r': input width 2 = 2 x head_dim 1, hidden 1 x 2 = 2)"));

        SafetensorsWriter.writeRaw(f, "{\"w1\": {\"dtype\": \"I32\", \"shape\": [2, 2], \"data_offsets\": [0, 16]}}", new byte[16]);
        assertTrue(errorFor(f).contains("tensor 'w1' has dtype I32; only F32, F16 and BF16 can be read"));

        new SafetensorsWriter()
                .add("w1", "F32", new long[] {2, 2}, 1, 0, 0, -1)
                .add("b1", "F32", new long[] {2}, 0, 0.5)
                .add("w2", "F32", new long[] {2}, 1, -2)
                .add("b2", "F32", new long[] {1}, -0.25)
                .write(f);
        assertTrue(errorFor(f).contains("tensor 'w2' has shape [2], expected [1, 2]"));
    }
    /**
     * A NaN weight gives a NaN score, and NaN > 0 is false: every head went dense and the run
     * looked fine. A file trained into NaN (or overflowed to infinity in f16) is refused instead,
     * whichever tensor holds it and in every dtype.
     */
    @ParameterizedTest
    @ValueSource(strings = {"F32", "BF16", "F16"})
    void nonFiniteWeightsAreRefusedNamingFileAndTensor(String dtype) throws Exception {
        Path f = dir.resolve("r.safetensors");
        new SafetensorsWriter()
                .add("w1", dtype, new long[] {2, 2}, 1, 0, Double.NaN, -1)
                .add("b1", dtype, new long[] {2}, 0, 0.5)
                .add("w2", dtype, new long[] {1, 2}, 1, -2)
                .add("b2", dtype, new long[] {1}, -0.25)
                .write(f);
        assertEquals(f + ": tensor 'w1' holds NaN at [1, 0]; router weights must be finite", errorFor(f));

        new SafetensorsWriter()
                .add("w1", dtype, new long[] {2, 2}, 1, 0, 0, -1)
                .add("b1", dtype, new long[] {2}, 0, 0.5)
                .add("w2", dtype, new long[] {1, 2}, 1, -2)
                .add("b2", dtype, new long[] {1}, Double.NEGATIVE_INFINITY)
                .write(f);
        assertEquals(f + ": tensor 'b2' holds -Infinity at [0]; router weights must be finite", errorFor(f));

        new SafetensorsWriter() // 1e6 is finite in f32 but past f16's 65504: written as f16, it is infinite
                .add("w1", dtype, new long[] {2, 2}, 1, 0, 0, -1)
                .add("b1", dtype, new long[] {2}, 0, 0.5)
                .add("w2", dtype, new long[] {1, 2}, 1e6, -2)
                .add("b2", dtype, new long[] {1}, -0.25)
                .write(f);
        if (dtype.equals("F16")) {
            assertEquals(f + ": tensor 'w2' holds Infinity at [0, 0]; router weights must be finite", errorFor(f));
        } else {
            KernelSpec kernel = kernel();
            Selector.decide(kernel, Tensor.random(2, 8, 4, 1, 1), keys()); // large but finite: accepted
        }
    }
}
