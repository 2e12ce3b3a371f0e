package io.attnkit.dsl.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * Writes outputs so that a reader never sees half a file: each file is written to a temporary
 * file in the same directory, then renamed over the target.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    public static void write(Path target, String text) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void write(Path target, byte[] content) throws IOException {
        write(target, out -> out.write(content));
    }

    /** What writes the content of a file. */
    @FunctionalInterface
    public interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Streams the content through {@code writer} into a temporary file, then renames it over {@code target}. */
    public static void write(Path target, Writer writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        if (Files.isDirectory(absolute)) {
            throw new IOException("'" + target + "' is a directory");
        }
        Path tmp = Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                writer.writeTo(out);
            }
            moveIntoPlace(tmp, absolute);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Renames {@code tmp} over {@code target}. Temporary files are created owner-only (0600); the
     * result gets the permissions of the file it replaces, or rw-r--r-- when it is new, as a
     * plain write would have given it.
     */
    private static void moveIntoPlace(Path tmp, Path target) throws IOException {
        if (Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Files.setPosixFilePermissions(tmp, Files.exists(target)
                    ? Files.getPosixFilePermissions(target) : PosixFilePermissions.fromString("rw-r--r--"));
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Writes several files under {@code dir}: all are first written to temporary files, and only
     * when every write succeeded are they renamed into place.
     */
    public static void writeAll(Path dir, Map<String, byte[]> files) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        Files.createDirectories(root);
        Map<Path, Path> staged = new java.util.LinkedHashMap<>();
        try {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                Path target = root.resolve(e.getKey()).normalize();
                if (!target.startsWith(root)) {
                    throw new IOException("refusing to write outside " + dir + ": " + e.getKey());
                }
                Files.createDirectories(target.getParent());
                Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
                staged.put(tmp, target);
                Files.write(tmp, e.getValue());
            }
            for (Map.Entry<Path, Path> e : staged.entrySet()) {
                moveIntoPlace(e.getKey(), e.getValue());
            }
        } finally {
            for (Path tmp : staged.keySet()) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
