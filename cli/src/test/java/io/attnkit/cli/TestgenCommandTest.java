package io.attnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
