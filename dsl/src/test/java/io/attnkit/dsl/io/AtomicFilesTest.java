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
}
