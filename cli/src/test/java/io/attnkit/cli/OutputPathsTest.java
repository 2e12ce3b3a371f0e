package io.attnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputPathsTest {
    @TempDir
    Path dir;

    /** A small decode kernel, k.attn in the test's directory. */
    private Path decodeKernel() throws IOException {
        Path kernel = dir.resolve("k.attn");
        Files.writeString(kernel, """
                kernel decode {
                  shape heads 8, q_len 1, kv_len 4096, head_dim 64;
                  dtype bf16;
                  target h100-sxm;
                }
                """);
        return kernel;
    }

    /** 'out/' means a directory: every option that writes a file refuses it rather than writing a file 'out'. */
    @Test
    void anOutputFileSpelledAsADirectoryIsRefusedAndNothingIsWritten() throws IOException {
        Path kernel = decodeKernel();
        String out = dir.resolve("out") + "/";
        String k = kernel.toString();
        for (String[] args : new String[][] {
                {"simulate", k, "--target", "h100-sxm", "--json", out},
                {"simulate", k, "--trace", out},
                {"run", k, "--q", "q.npy", "--k", "k.npy", "--v", "v.npy", "--out", out},
                {"validate", "--quick", "--out", out}}) {
            CliRunner r = CliRunner.run(args);
            String option = args[args.length - 2];
            assertEquals(2, r.exitCode(), String.join(" ", args));
            assertEquals("attnkit: error: Invalid value for option '" + option + "': '" + out + "' ends in '/', so it names "
                    + "a directory; give a file name (see 'attnkit " + args[0] + " --help')", r.err().strip());
            assertEquals("", r.out());
        }
        CliRunner dot = CliRunner.run("simulate", k, "--json", out + ".");
        assertEquals(2, dot.exitCode());
        assertEquals("attnkit: error: '" + out + ".' names a directory", dot.err().strip());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "only k.attn: no file 'out' and no temporary file");
        }
    }

    /**
     * /dev/stdout leads to the shell's redirected file or pipe: a rename over it lost the report
     * (or failed after the work), so every output option refuses /dev and /proc, through links too.
     */
    @Test
    void outputsUnderDevOrProcAreRefusedBeforeAnyWork() throws IOException {
        Path kernel = decodeKernel();
        String k = kernel.toString();
        Path link = Files.createSymbolicLink(dir.resolve("out.json"), Path.of("/dev/stdout"));
        for (String[] args : new String[][] {
                {"simulate", k, "--json", "/dev/stdout"},
                {"simulate", k, "--json", link.toString()},
                {"simulate", k, "--trace", "/proc/self/fd/1"},
                {"run", k, "--q", "q.npy", "--k", "k.npy", "--v", "v.npy", "--out", "/dev/stdout"},
                {"validate", "--quick", "--out", "/dev/stderr"},
                {"emit", k, "-o", "/dev/fd"},
                {"testgen", k, "-o", "/proc/self"}}) {
            CliRunner r = CliRunner.run(args);
            String joined = String.join(" ", args);
            assertEquals(2, r.exitCode(), joined);
            String err = r.err().strip();
            assertTrue(err.startsWith("attnkit: error: '" + args[args.length - 1] + "' is "
                    + (args[args.length - 2].equals("-o") ? "a system directory" : "not a regular file")), joined + ": " + err);
            assertEquals(1, err.lines().count(), err);
            assertEquals("", r.out(), joined);
        }
        assertTrue(CliRunner.run("simulate", k, "--json", "/dev/stdout").err().contains("use '-'"));

        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.json"), dir.resolve("missing/deeper/zzz.json"));
        CliRunner r = CliRunner.run("simulate", k, "--json", dangling.toString());
        assertEquals(2, r.exitCode());
        assertEquals("attnkit: error: '" + dangling + "' is a link to " + dir.resolve("missing/deeper/zzz.json")
                + ", whose directory does not exist", r.err().strip());
        assertFalse(Files.exists(dir.resolve("missing")), "no directories are made where a link points");

        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm)) { // a file system like any other, not a device
            Path out = Files.createTempDirectory(shm, "attnkit-test").resolve("decode.json");
            try {
                assertEquals(0, CliRunner.run("simulate", k, "--json", out.toString()).exitCode());
                assertTrue(Files.size(out) > 0);
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(out.getParent());
            }
        }
    }
}
