package io.attnkit.dsl.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path dir;

    private void assumePosix() throws IOException {
        assumeTrue(Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class),
                "SKIPPED: the temporary directory has no POSIX permissions");
    }

    @Test
    void aNewFileIsReadableByEveryoneLikeAPlainWrite() throws IOException {
        assumePosix();
        Path out = dir.resolve("kernel.cu");
        AtomicFiles.write(out, "int x;\n");
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        AtomicFiles.writeAll(dir.resolve("emit"), Map.of("a/b.cl", new byte[] {1, 2}));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("emit/a/b.cl"))));
    }

    @Test
    void aRewrittenFileKeepsItsPermissions() throws IOException {
        assumePosix();
        Path script = dir.resolve("build.sh");
        Files.writeString(script, "old\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
        AtomicFiles.write(script, "new\n");
        assertEquals("new\n", Files.readString(script));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(script)));
    }

    @Test
    void aDanglingLinkStaysALinkAndTheFileItNamesIsCreated() throws IOException {
        Files.createDirectories(dir.resolve("results"));
        Path link = dir.resolve("latest.json");
        Files.createSymbolicLink(link, java.nio.file.Paths.get("results/run1.json"));
        AtomicFiles.write(link, "{}\n".getBytes());
        assertTrue(Files.isSymbolicLink(link), "the link was replaced by a file");
        assertEquals("{}\n", Files.readString(dir.resolve("results/run1.json")));
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path out = dir.resolve("model.attn");
        Files.writeString(out, "kept\n");
        assertThrows(IOException.class, () -> AtomicFiles.write(out, stream -> {
            stream.write("half".getBytes());
            throw new IOException("disk full");
        }));
        assertEquals("kept\n", Files.readString(out));
        try (var files = Files.list(dir)) {
            assertTrue(files.allMatch(out::equals), "only the original file remains");
        }
    }

    /** A failure on any file of a set leaves none of them, and no temporary file, behind. */
    @Test
    void severalFilesAreWrittenAllOrNone() throws IOException {
        Path a = dir.resolve("a/first.json");
        Path b = dir.resolve("b/second.json");
        Map<Path, AtomicFiles.Writer> files = new java.util.LinkedHashMap<>();
        files.put(a, out -> out.write(1)); // written first, so the failure of b must undo it
        files.put(b, out -> {
            throw new IOException("disk full");
        });
        assertThrows(IOException.class, () -> AtomicFiles.writeAll(files));
        assertTrue(!Files.exists(a) && !Files.exists(b));
        try (var walk = Files.walk(dir)) {
            assertEquals(0, walk.filter(Files::isRegularFile).count(), "no temporary file is left");
        }

        Files.createDirectories(dir.resolve("emit/build.sh"));
        IOException directory = assertThrows(IOException.class, () -> AtomicFiles.writeAll(dir.resolve("emit"),
                new java.util.LinkedHashMap<>(Map.of("k.cu", new byte[] {1}, "build.sh", new byte[] {2}))));
        assertEquals("'" + dir.resolve("emit/build.sh") + "' is a directory", directory.getMessage());
        assertTrue(!Files.exists(dir.resolve("emit/k.cu")), "nothing is written when one target is a directory");

        Path twice = dir.resolve("twice.json");
        IOException named = assertThrows(IOException.class, () -> AtomicFiles.writeAll(Map.of(twice,
                (AtomicFiles.Writer) out -> out.write(1), dir.resolve("x/../twice.json"), (AtomicFiles.Writer) out -> out.write(2))));
        assertTrue(named.getMessage().endsWith("is named twice"), named.getMessage());
        assertTrue(!Files.exists(twice));
    }

    /** A link is written through, and a device or pipe is refused rather than replaced by a file. */
    @Test
    void linksAreWrittenThroughAndSpecialFilesRefused() throws IOException {
        Path real = dir.resolve("real.json");
        Files.writeString(real, "old\n");
        Path link = Files.createSymbolicLink(dir.resolve("link.json"), real.getFileName());
        AtomicFiles.write(link, "new\n");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("new\n", Files.readString(real));
        Path devNull = Path.of("/dev/null");
        if (Files.exists(devNull)) {
            IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(devNull, "x"));
            assertTrue(e.getMessage().startsWith("'/dev/null' is not a regular file"), e.getMessage());
            assertTrue(!Files.isRegularFile(devNull), "still a device");
        }
    }

    @Test
    void whatCannotBeWrittenIsNamedBeforeAnyWork() throws IOException {
        assertEquals("empty file name", assertThrows(IOException.class, () -> AtomicFiles.checkWritable(Path.of(""))).getMessage());
        assertEquals("'" + dir + "' is a directory", assertThrows(IOException.class, () -> AtomicFiles.checkWritable(dir)).getMessage());
        Path file = dir.resolve("plain.txt");
        Files.writeString(file, "x");
        assertEquals("cannot write '" + file.resolve("deeper/out.json") + "': " + file + " is not a directory",
                assertThrows(IOException.class, () -> AtomicFiles.checkWritable(file.resolve("deeper/out.json"))).getMessage());
        Path dot = dir.resolve("new/.");
        assertEquals("'" + dot + "' names a directory", assertThrows(IOException.class, () -> AtomicFiles.write(dot, "x")).getMessage());
        AtomicFiles.checkWritable(dir.resolve("new/dirs/out.json")); // parents are created when written
        assertTrue(!Files.exists(dir.resolve("new")), "the check creates nothing");
        IOException outside = assertThrows(IOException.class, () -> AtomicFiles.under(file, "k.cu"));
        assertEquals("'" + file + "' exists and is not a directory", outside.getMessage());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "the probe file of the check is gone");
        }
    }
}
