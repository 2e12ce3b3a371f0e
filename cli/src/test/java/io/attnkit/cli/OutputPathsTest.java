package io.attnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputPathsTest {
    @TempDir
    Path dir;

    /** 'out/' means a directory: every option that writes a file refuses it rather than writing a file 'out'. */
    @Test
    void anOutputFileSpelledAsADirectoryIsRefusedAndNothingIsWritten() throws IOException {
        Path kernel = dir.resolve("k.attn");
        Files.writeString(kernel, """
                kernel decode {
                  shape heads 8, q_len 1, kv_len 4096, head_dim 64;
                  dtype bf16;
                  target h100-sxm;
                }
                """);
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
}
