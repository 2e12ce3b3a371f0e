package io.attnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckCommandTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void summarisesTheBlockSparsityOfEachHeadGroup() throws IOException {
        Path f = file("mixed.attn", """
                kernel mixed {
                  shape heads 4, kv_heads 2, q_len 1000, head_dim 64;
                  tile q 128, kv 64;
                  mask causal;
                  heads 0..1: dense;
                  heads 2..3: sink(4) | window(100);
                }
                """);
        CliRunner r = CliRunner.run("check", f.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("ok, 1 kernel"), r.out());
        // Causal over 1000 keys in 128 x 64 tiles: q-block b visits floor(last row / 64) + 1 tiles.
        int tiles = 0;
        for (int qb = 0; qb < 8; qb++) {
            tiles += (Math.min(1000, (qb + 1) * 128) - 1) / 64 + 1;
        }
        String causalTiles = " " + tiles + " ";
        assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith("0..1") && l.contains("causal")
                && l.contains(causalTiles)), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith("2..3") && l.contains("causal & (sink(4) | window(100))")), r.out());
    }

    @Test
    void listsKernelsPastTheSummaryLimitByNameOnly() throws IOException {
        StringBuilder text = new StringBuilder();
        int n = CheckCommand.MAX_SUMMARIES + 3;
        for (int i = 0; i < n; i++) {
            text.append("kernel k").append(i).append(" { shape heads 1, q_len 40, head_dim 8; mask causal; }\n");
        }
        CliRunner r = CliRunner.run("check", file("many.attn", text.toString()).toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("ok, " + n + " kernels"), r.out());
        assertEquals(CheckCommand.MAX_SUMMARIES, r.out().lines().filter(l -> l.startsWith("kernel ")).count());
        assertTrue(r.out().contains("... and 3 more kernels, not summarised: k32, k33, k34"), r.out());
    }

    @Test
    void refusesASummaryTooLargeToBuildAndSummarisesTheRest() throws IOException {
        // 256M queries in tiles of one: a block map of 268M rows, some 16 GB, used to run out of memory.
        Path f = file("big.attn", """
                kernel big2 {
                  shape heads 1, q_len 256M, head_dim 16;
                  tile q 1, kv 1;
                  mask causal & (sink(4) | window(100));
                }
                kernel small {
                  shape heads 2, q_len 1K, head_dim 16;
                  mask causal;
                }
                """);
        CliRunner r = CliRunner.run("check", f.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("attnkit: error: kernel big2: its block-sparsity summary would build 268,435,456 q-blocks"
                + " x 1 pattern = 268,435,456 rows, more than check builds (4,194,304); use larger tiles ('tile q 64' or more"
                + " fits)"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertFalse(r.out().contains("kernel big2"), r.out());
        assertTrue(r.out().contains("kernel small"), r.out());
        // The refusal is about summaries: the diagnostics alone still pass.
        assertEquals(0, CliRunner.run("check", "-q", f.toString()).exitCode());
    }

    @Test
    void countsEachDistinctPatternOnceAgainstTheSummaryBound() throws IOException {
        // Six heads, five masks (heads 0 and 5 share one): 1M q-blocks x 5 is past the bound, as 1M x 1 is not.
        Path f = file("five.attn", """
                kernel five {
                  shape heads 6, q_len 1M, head_dim 16;
                  tile q 1, kv 64;
                  heads 0: causal;
                  heads 1: window(8);
                  heads 2: sink(4) | window(8);
                  heads 3: window(16);
                  heads 4: window(32);
                  heads 5: causal;
                }
                """);
        CliRunner r = CliRunner.run("check", f.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("would build 1,048,576 q-blocks x 5 patterns = 5,242,880 rows"), r.err());
        assertTrue(r.err().contains("'tile q 2' or more fits"), r.err());
    }

    @Test
    void reportsEveryErrorWithLocationAndExitsWithOne() throws IOException {
        Path f = file("bad.attn", """
                kernel bad {
                  shape heads 6, kv_heads 4, q_len 64, head_dim 64;
                  mask windw(3);
                }
                """);
        CliRunner r = CliRunner.run("check", f.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("bad.attn:2:18: error[E023]: heads 6 is not a multiple of kv_heads 4"), r.err());
        assertTrue(r.err().contains("bad.attn:3:8: error[E040]: unknown mask 'windw'; did you mean 'window'?"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void missingFilesAndDirectoriesAreIoErrors() {
        CliRunner missing = CliRunner.run("check", dir.resolve("nope.attn").toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().startsWith("attnkit: error: cannot read"), missing.err());
        assertEquals(1, missing.err().lines().count());
        CliRunner directory = CliRunner.run("check", dir.toString());
        assertEquals(2, directory.exitCode());
        assertTrue(directory.err().contains("is a directory"), directory.err());
    }

    @Test
    void unknownOptionsAreUsageErrors() {
        CliRunner r = CliRunner.run("check", "--frobnicate", "x.attn");
        assertEquals(2, r.exitCode());
        assertEquals("attnkit: error: Unknown option: '--frobnicate' (see 'attnkit check --help')", r.err().strip());
        CliRunner command = CliRunner.run("no-such-command");
        assertEquals(2, command.exitCode());
        assertEquals(1, command.err().strip().lines().count(), command.err());
    }

    @Test
    void helpAndVersionWorkEverywhere() {
        assertEquals(0, CliRunner.run("--help").exitCode());
        CliRunner v = CliRunner.run("--version");
        assertEquals(0, v.exitCode());
        assertTrue(v.out().startsWith("attnkit "), v.out());
        for (String cmd : new String[] {"check", "fmt", "targets"}) {
            CliRunner h = CliRunner.run(cmd, "--help");
            assertEquals(0, h.exitCode(), cmd);
            assertTrue(h.out().contains("Usage: attnkit " + cmd), h.out());
        }
    }

    /** A file whose name starts with '-' is named in the error, with the two ways to pass it. */
    @Test
    void aFileNamedLikeAnOptionGetsAHint() throws java.io.IOException {
        Path dashed = Path.of("-dashed-check-test.attn"); // relative: the name must start with '-'
        java.nio.file.Files.writeString(dashed, "kernel k { shape heads 1, q_len 64, head_dim 64; }\n");
        try {
            CliRunner r = CliRunner.run("check", dashed.toString());
            assertEquals(2, r.exitCode());
            assertEquals("attnkit: error: '-dashed-check-test.attn' is read as an option; to name the file, write "
                    + "./-dashed-check-test.attn or put -- before it (see 'attnkit check --help')", r.err().strip());
            assertEquals(0, CliRunner.run("check", "--", dashed.toString()).exitCode());
        } finally {
            java.nio.file.Files.deleteIfExists(dashed);
        }
    }

    /** `targets --targets FILE` lists and describes what the file declares beside the built-in targets. */
    @Test
    void targetsShowsTheTargetsAFileDeclares(@TempDir Path dir) throws IOException {
        Path mine = dir.resolve("mine.attn");
        Files.writeString(mine, "// one core of the test machine\ntarget mine extends host-zen5-2c {\n  cores 1;\n}\n");
        CliRunner all = CliRunner.run("targets", "--targets", mine.toString());
        assertEquals(0, all.exitCode(), all.err());
        assertTrue(all.out().lines().anyMatch(l -> l.startsWith("mine ") && l.contains(" cpu ")), all.out());
        assertTrue(all.out().lines().anyMatch(l -> l.startsWith("h100-sxm ")), "the built-in targets are listed too");
        CliRunner one = CliRunner.run("targets", "--targets", mine.toString(), "mine");
        assertEquals(0, one.exitCode(), one.err());
        assertTrue(one.out().startsWith("target mine (" + mine + ":2:1)"), one.out());
        assertTrue(one.out().lines().anyMatch(l -> l.strip().equals("cores          1")), one.out());
        assertEquals(2, CliRunner.run("targets", "mine").exitCode(), "without the file it is unknown");

        Path bad = dir.resolve("bad.attn");
        Files.writeString(bad, "target bad extends nope { }\n");
        CliRunner r = CliRunner.run("targets", "--targets", bad.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains(bad + ":1:20: error[E010]: undefined target 'nope'"), r.err());
        assertTrue(r.err().strip().endsWith("attnkit: error: '" + bad + "' has errors"), r.err());
        assertEquals("", r.out());
    }
}
