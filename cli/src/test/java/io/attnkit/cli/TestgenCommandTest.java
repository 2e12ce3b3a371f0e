package io.attnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code attnkit testgen} writes the suite; the examples module compiles and runs what it writes. */
class TestgenCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesTheVariantsKernelsAndOneTestClassPerKernel() throws IOException {
        CliRunner r = CliRunner.run("testgen", TestFiles.kernel("two.attn").toString(), "-o", dir.toString());
        assertEquals(0, r.exitCode(), r.err());
        Path pkg = dir.resolve("io/attnkit/generated");
        assertTrue(r.out().contains("first: 5 variants, " + pkg.resolve("FirstKernelTest.java")), r.out());
        assertTrue(Files.readString(pkg.resolve("SecondKernelTest.java")).contains("void qLonger() throws Exception"));
        try (Stream<Path> files = Files.list(pkg)) {
            assertEquals(12, files.count(), "5 variant kernels and a test class per kernel");
        }
    }

    @Test
    void needsAnOutputDirectory() {
        CliRunner r = CliRunner.run("testgen", TestFiles.kernel("two.attn").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("Missing required option: '--output=DIR'"), r.err());
    }
    /** The reporter's el.attn, cut to its routed kernels: a fixed-ratio router and a trained one. */
    private Path routedKernels(String weights) throws IOException {
        Path file = dir.resolve("model/el.attn");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "router r { sparse_ratio 0.5; }\nrouter rw { weights \"" + weights + "\"; }\n" + """
                kernel b {
                  shape heads 8, kv_heads 4, q_len 512, head_dim 16;
                  heads 0..5: route r(dense, window(32));
                  heads 6..7: route rw(dense, window(16));
                }
                """);
        return file;
    }

    /** run and simulate refuse a kernel whose weights are missing (exit 2): testgen wrote its suite anyway. */
    @Test
    void missingRouterWeightsAreRefusedAsRunRefusesThem() throws IOException {
        Path file = routedKernels("nope.safetensors");
        Path out = dir.resolve("tests");
        CliRunner run = CliRunner.run("run", file.toString(), "--random");
        CliRunner r = CliRunner.run("testgen", file.toString(), "-o", out.toString());
        assertEquals(2, run.exitCode(), run.err());
        assertEquals(2, r.exitCode(), r.out() + r.err());
        String line = r.err().lines().filter(l -> l.startsWith("attnkit: error: ")).findFirst().orElseThrow();
        assertEquals("attnkit: error: " + dir.resolve("model/nope.safetensors") + ": no such file", line);
        assertTrue(run.err().contains(line), run.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    /** Non-finite weights, which run now refuses, stop testgen as well. */
    @Test
    void nonFiniteRouterWeightsAreRefused() throws IOException {
        Path file = routedKernels("w.safetensors");
        TestFiles.routerWeights(dir.resolve("model/w.safetensors"), 32, 128, (t, i) -> t.equals("b1") && i == 5 ? Double.NaN : 0.01);
        Path out = dir.resolve("tests");
        CliRunner r = CliRunner.run("testgen", file.toString(), "-o", out.toString());
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("tensor 'b1' holds NaN at [5]"), r.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    /**
     * The generated tests named the weights by the absolute path the front end resolved, so they
     * ran on one machine only. They name
     * them relative to the directory testgen ran in, where the tests read them from.
     */
    @Test
    void theTestsNameTheWeightsRelativeToTheDirectoryTestgenRanIn() throws IOException {
        Path file = routedKernels("../weights/w.safetensors");
        Path weights = dir.resolve("weights/w.safetensors");
        Files.createDirectories(weights.getParent());
        TestFiles.routerWeights(weights, 32, 128, (t, i) -> Math.sin(i + t.length()) * 0.1);
        CliRunner r = CliRunner.run("testgen", file.toString(), "-o", dir.resolve("tests").toString());
        assertEquals(0, r.exitCode(), r.err());
        Path here = Path.of("").toAbsolutePath();
        String relative = here.relativize(weights).toString();
        String test = Files.readString(dir.resolve("tests/io/attnkit/generated/BKernelTest.java"));
        assertFalse(test.contains("weights \\\"" + weights), "no absolute path of this machine in the test");
        assertTrue(test.contains("weights \\\"" + relative + "\\\";"), test);
        assertEquals(weights, here.resolve(relative).normalize(), "the tests read the weights testgen read");
        assertTrue(r.out().contains("note: the tests of kernel b read router weights '" + relative
                + "' relative to the directory they run in; run them from " + here), r.out());
    }
}
