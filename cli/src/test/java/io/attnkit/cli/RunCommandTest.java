package io.attnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.check.InputException;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.reference.Comparison;
import io.attnkit.dsl.reference.ReferenceAttention;
import io.attnkit.dsl.reference.Tolerance;
import io.attnkit.dsl.reference.Npy;
import io.attnkit.dsl.reference.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {
    @TempDir
    Path dir;

    private static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), () -> regex + " not in:\n" + text);
        return Long.parseLong(m.group(1));
    }

    @Test
    void randomInputsAreCheckedAgainstTheReferenceAndTilesCounted() {
        CliRunner r = CliRunner.run("run", TestFiles.kernel("streaming.attn").toString(), "--random", "--seed", "7", "--stats");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("against the float64 reference: max abs error"), r.out());
        assertTrue(r.out().contains("): ok"), r.out());
        assertTrue(r.out().matches("(?s).*time [0-9.]+ ms, [0-9.]+ GFLOP/s.*"), r.out());
        long loaded = number(r.out(), "K/V tiles: (\\d+) loaded \\(counted by the kernel\\)");
        long mapped = number(r.out(), "(\\d+) in the BlockMap");
        assertEquals(mapped, loaded);
        assertTrue(r.out().contains(": equal"), r.out());
    }

    @Test
    void npyInputsGiveAnNpyOutput() throws IOException, InputException {
        Path file = TestFiles.kernel("two.attn");
        Npy.write(dir.resolve("q.npy"), Tensor.random(1, 2, 40, 8, 1), DType.F32);
        Npy.write(dir.resolve("k.npy"), Tensor.random(1, 2, 40, 8, 2), DType.F16);
        Npy.write(dir.resolve("v.npy"), Tensor.random(1, 2, 40, 8, 3), DType.F32);
        CliRunner r = CliRunner.run("run", file.toString(), "--kernel", "second", "--q", dir.resolve("q.npy").toString(),
                "--k", dir.resolve("k.npy").toString(), "--v", dir.resolve("v.npy").toString(), "--out", dir.resolve("o.npy").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("wrote " + dir.resolve("o.npy") + " (float32 [1, 2, 40, 8])"), r.out());
        assertFalse(r.err().contains("non-finite"), r.err());
        KernelSpec second = Frontend.check(file, Frontend.Library.EMPTY, Optional.empty()).program().kernel("second").orElseThrow();
        ReferenceAttention.Result expected = ReferenceAttention.run(second, Npy.read(dir.resolve("q.npy")),
                Npy.read(dir.resolve("k.npy")), Npy.read(dir.resolve("v.npy")));
        Comparison c = Comparison.of(Npy.read(dir.resolve("o.npy")).data(), expected.out(), Tolerance.of(DType.BF16));
        assertTrue(c.passed(), c.toString());
    }

    /**
     * A NaN in V at key 3 of head 0 makes NaN rows 0..2, which do not see it under causal but share
     * its query tile (0 × NaN, docs/language.md, "Non-finite values"); run says so in one note.
     */
    @Test
    void nonFiniteValuesInVPropagateAndAreNotedInOneLine() throws IOException, InputException {
        Path file = dir.resolve("small.attn");
        Files.writeString(file, "kernel small { shape batch 1, heads 2, q_len 8, kv_len 8, head_dim 4; dtype f32; "
                + "tile q 4, kv 4; mask causal; }");
        Tensor v = Tensor.random(1, 2, 8, 4, 3);
        Arrays.fill(v.data(), 3 * 4, 4 * 4, Float.NaN);
        Npy.write(dir.resolve("q.npy"), Tensor.random(1, 2, 8, 4, 1), DType.F32);
        Npy.write(dir.resolve("k.npy"), Tensor.random(1, 2, 8, 4, 2), DType.F32);
        Npy.write(dir.resolve("v.npy"), v, DType.F32);
        CliRunner r = CliRunner.run("run", file.toString(), "--q", dir.resolve("q.npy").toString(),
                "--k", dir.resolve("k.npy").toString(), "--v", dir.resolve("v.npy").toString(), "--out", dir.resolve("o.npy").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("note: v has 4 non-finite values; each reaches every row of a query tile"), r.err());
        float[] o = Npy.read(dir.resolve("o.npy")).data();
        for (int row = 0; row < 16; row++) { // head 0's rows, then head 1's
            assertEquals(row < 8, Float.isNaN(o[row * 4]), "row " + row);
        }
    }

    @Test
    void aWrongShapeIsOneLineAndExitCode2() throws IOException {
        Npy.write(dir.resolve("q.npy"), Tensor.random(1, 2, 41, 8, 1), DType.F32);
        Npy.write(dir.resolve("kv.npy"), Tensor.random(1, 2, 40, 8, 2), DType.F32);
        CliRunner r = CliRunner.run("run", TestFiles.kernel("two.attn").toString(), "--kernel", "first",
                "--q", dir.resolve("q.npy").toString(), "--k", dir.resolve("kv.npy").toString(),
                "--v", dir.resolve("kv.npy").toString(), "--out", dir.resolve("o.npy").toString());
        assertEquals(2, r.exitCode());
        assertEquals("attnkit: error: " + dir.resolve("q.npy") + ": q has shape [1, 2, 41, 8], the kernel expects [1, 2, 40, 8]",
                r.err().strip());
        assertTrue(Files.notExists(dir.resolve("o.npy")));
    }

    @Test
    void aWrongDtypeIsOneLineAndExitCode2() throws IOException {
        // A float64 .npy of the right shape.
        String header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 40, 8), }";
        header = header + " ".repeat(63 - (10 + header.length()) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 8 * 640).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length())
                .put(header.getBytes(StandardCharsets.US_ASCII));
        Files.write(dir.resolve("q.npy"), b.array());
        Npy.write(dir.resolve("kv.npy"), Tensor.random(1, 2, 40, 8, 2), DType.F32);
        CliRunner r = CliRunner.run("run", TestFiles.kernel("two.attn").toString(), "--kernel", "first",
                "--q", dir.resolve("q.npy").toString(), "--k", dir.resolve("kv.npy").toString(),
                "--v", dir.resolve("kv.npy").toString(), "--out", dir.resolve("o.npy").toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("q.npy"), r.err());
    }

    @Test
    void inputsMustBeEitherRandomOrFiles() {
        CliRunner r = CliRunner.run("run", TestFiles.kernel("streaming.attn").toString());
        assertEquals(2, r.exitCode());
        assertEquals("attnkit: error: give either --random or all of --q, --k, --v and --out", r.err().strip());
        CliRunner half = CliRunner.run("run", TestFiles.kernel("streaming.attn").toString(), "--q", "q.npy");
        assertEquals(2, half.exitCode());
        assertEquals("attnkit: error: --q, --k, --v and --out go together", half.err().strip());
    }

    /**
     * The user's report: {@code --threads 2000000} printed "2000000 threads" for a kernel that
     * starts one thread a work item. 9 query rows in q-blocks of 4 are 3 q-blocks (the last one
     * ragged), times 2 heads: 6 work items, so 6 threads; 2 threads are not capped.
     */
    @Test
    void theHeaderSaysTheThreadsStartedNotTheThreadsAskedFor() throws IOException {
        Path file = dir.resolve("six.attn");
        Files.writeString(file, "kernel six { shape heads 2, q_len 9, kv_len 9, head_dim 4; tile q 4, kv 4; mask causal; }\n");
        CliRunner many = CliRunner.run("run", file.toString(), "--random", "--threads", "2000000");
        assertEquals(0, many.exitCode(), many.out() + many.err());
        assertTrue(many.out().startsWith("kernel six on java, 6 threads (--threads 2000000, capped by the kernel's 6 work items): "),
                many.out());
        CliRunner two = CliRunner.run("run", file.toString(), "--random", "--threads", "2");
        assertTrue(two.out().startsWith("kernel six on java, 2 threads: "), two.out());
        CliRunner six = CliRunner.run("run", file.toString(), "--random", "--threads", "6");
        assertTrue(six.out().startsWith("kernel six on java, 6 threads: "), six.out());
    }

    @Test
    void theJavaBackendHasNoDevices() {
        CliRunner r = CliRunner.run("run", TestFiles.kernel("streaming.attn").toString(), "--random", "--device", "99");
        assertEquals(2, r.exitCode());
        assertEquals("attnkit: error: the java backend runs on this machine's CPU cores (--threads); it has no device '99'",
                r.err().strip());
    }

    @Test
    void tensorsTooLargeForJavaArraysAreRefusedInOneLine() throws IOException {
        Path big = dir.resolve("big.attn");
        Files.writeString(big, "kernel big { shape heads 32, q_len 1M, head_dim 128; mask causal; }\n");
        CliRunner r = CliRunner.run("run", big.toString(), "--random");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("attnkit: error: kernel 'big' has tensors of 4294967296 elements"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void tensorsTooLargeForTheHeapAreRefusedInOneLine() throws IOException {
        Path big = dir.resolve("big.attn");
        Files.writeString(big, "kernel big { shape heads 32, q_len 64K, head_dim 128; mask causal; }\n");
        CliRunner r = CliRunner.run("run", big.toString(), "--random");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().matches("attnkit: error: kernel big needs about [0-9.]+ GiB for its tensors and the reference, "
                + "this JVM may use [0-9.]+ GiB; give it more with ATTNKIT_JVM_OPTS=-Xmx<size>, or run a smaller shape\\s*"), r.err());
    }

    @Test
    void theOutputMayNotOverwriteAnInput() throws IOException {
        Path q = dir.resolve("q.npy");
        Files.write(q, new byte[] {1, 2, 3});
        CliRunner r = CliRunner.run("run", TestFiles.kernel("two.attn").toString(), "--kernel", "first",
                "--q", q.toString(), "--k", "k.npy", "--v", "v.npy", "--out", q.toString());
        assertEquals(2, r.exitCode());
        assertEquals("attnkit: error: --out " + q + " would overwrite the input " + q, r.err().strip());
        assertEquals(3, Files.size(q));
    }

    @Test
    void aMissingInputFileIsOneLine() {
        CliRunner r = CliRunner.run("run", TestFiles.kernel("two.attn").toString(), "--kernel", "first",
                "--q", dir.resolve("none.npy").toString(), "--k", "k.npy", "--v", "v.npy", "--out", dir.resolve("o.npy").toString());
        assertEquals(2, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("none.npy"), r.err());
    }
}
