package io.attnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FmtCommandTest {
    @TempDir
    Path dir;

    private static final String MESSY = """
            // the kernel
            kernel   k{shape heads 2,q_len 128K,head_dim 64;   // sizes
            mask (causal&(sink(4)|window(2000)));heads 0 : dense; heads 1:!causal;}
            """;

    @Test
    void writesTheCanonicalLayoutAndKeepsComments() throws IOException {
        Path f = dir.resolve("k.attn");
        Files.writeString(f, MESSY);
        CliRunner r = CliRunner.run("fmt", f.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("""
                // the kernel
                kernel k {
                  shape heads 2, q_len 128K, head_dim 64;  // sizes
                  mask causal & (sink(4) | window(2000));
                  heads 0: dense;
                  heads 1: !causal;
                }
                """, r.out());
        assertEquals(MESSY, Files.readString(f), "without --write the file is untouched");
    }

    @Test
    void checkListsUnformattedFilesAndWriteFixesThem() throws IOException {
        Path f = dir.resolve("k.attn");
        Files.writeString(f, MESSY);
        CliRunner check = CliRunner.run("fmt", "--check", f.toString());
        assertEquals(1, check.exitCode());
        assertEquals(f + System.lineSeparator(), check.out());
        assertEquals(0, CliRunner.run("fmt", "--write", f.toString()).exitCode());
        assertEquals(0, CliRunner.run("fmt", "--check", f.toString()).exitCode());
        assertTrue(Files.readString(f).startsWith("// the kernel\nkernel k {\n"));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void neverRewritesAFileWithSyntaxErrors() throws IOException {
        Path f = dir.resolve("broken.attn");
        String broken = "kernel k { shape heads 2,, q_len 4; }\nkernel ok { shape heads 1, q_len 4, head_dim 8; }\n";
        Files.writeString(f, broken);
        CliRunner r = CliRunner.run("fmt", "--write", f.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("broken.attn:1:26: error[E001]: unexpected"), r.err());
        assertEquals(broken, Files.readString(f));
    }

    @Test
    void writeGoesThroughASymbolicLink() throws IOException {
        Path real = dir.resolve("real.attn");
        Files.writeString(real, MESSY);
        Path link = Files.createSymbolicLink(dir.resolve("link.attn"), real.getFileName());
        assertEquals(0, CliRunner.run("fmt", "--write", link.toString()).exitCode());
        assertTrue(Files.isSymbolicLink(link), "the link is still a link");
        assertTrue(Files.readString(real).startsWith("// the kernel\nkernel k {\n"), "the file it names is formatted");
    }

    /** A file that cannot be read is reported in one line and the others are still handled; the exit status says 2. */
    @Test
    void anUnreadableFileDoesNotStopTheOthers() throws IOException {
        Path f = dir.resolve("k.attn");
        Files.writeString(f, MESSY);
        Path missing = dir.resolve("missing.attn");
        CliRunner fmt = CliRunner.run("fmt", "--check", missing.toString(), f.toString());
        assertEquals(2, fmt.exitCode());
        assertEquals(f + System.lineSeparator(), fmt.out(), "the readable file is still checked");
        assertEquals(1, fmt.err().strip().lines().count(), fmt.err());
        assertTrue(fmt.err().contains("missing.attn"), fmt.err());
        CliRunner check = CliRunner.run("check", missing.toString(), f.toString());
        assertEquals(2, check.exitCode());
        assertTrue(check.out().startsWith(f + ": ok, 1 kernel"), check.out());
        assertEquals(1, check.err().strip().lines().count(), check.err());
    }

    /** The bundled examples are what users copy: they are in the canonical layout fmt writes. */
    @Test
    void everyBundledExampleIsCanonical() throws IOException {
        try (var files = Files.list(Path.of("..", "examples"))) {
            String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("fmt", "--check"),
                    files.filter(p -> p.toString().endsWith(".attn")).sorted().map(Path::toString)).toArray(String[]::new);
            assertTrue(args.length > 10, "examples found");
            CliRunner r = CliRunner.run(args);
            assertEquals(0, r.exitCode(), r.out() + r.err());
        }
    }
}
