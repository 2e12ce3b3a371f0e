package io.attnkit.dsl.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
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
        writeAll(Map.of(target, writer));
    }

    /**
     * Writes several files, anywhere, all or none: each goes to a temporary file beside its target,
     * and only when every one was written are they renamed into place. A target that is a
     * directory, or named twice, fails before anything is written.
     */
    public static void writeAll(Map<Path, Writer> files) throws IOException {
        Map<Path, Writer> targets = new LinkedHashMap<>();
        for (Map.Entry<Path, Writer> e : files.entrySet()) {
            checkWritable(e.getKey());
            if (targets.put(resolved(e.getKey()), e.getValue()) != null) {
                throw new IOException("'" + e.getKey() + "' is named twice");
            }
        }
        Map<Path, Path> staged = new LinkedHashMap<>();
        try {
            for (Map.Entry<Path, Writer> e : targets.entrySet()) {
                Path target = e.getKey();
                Path tmp;
                try {
                    Files.createDirectories(target.getParent());
                    tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
                } catch (IOException ex) {
                    throw new IOException("cannot write '" + target + "': " + reason(ex), ex);
                }
                staged.put(tmp, target);
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                    e.getValue().writeTo(out);
                }
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

    /**
     * Fails, naming {@code target}, when it plainly cannot be written: an empty name, a directory,
     * or a parent that is not a writable directory. Commands call it before long work, so that a
     * bad output path is reported at once rather than after the computation.
     */
    public static void checkWritable(Path target) throws IOException {
        if (target.toString().isEmpty()) {
            throw new IOException("empty file name");
        }
        Path name = target.getFileName();
        if (name != null && (name.toString().equals(".") || name.toString().equals(".."))) {
            // normalized away, it would write a file named after the directory ('out/.' wrote 'out')
            throw new IOException("'" + target + "' names a directory");
        }
        notASystemPlace(target, false);
        Path absolute = resolved(target);
        if (Files.isDirectory(absolute)) {
            throw new IOException("'" + target + "' is a directory");
        }
        if (Files.exists(absolute) && !Files.isRegularFile(absolute)) {
            // a device or a pipe: renaming a finished file over it would replace it (as root, even /dev/null)
            throw new IOException("'" + target + "' is not a regular file; outputs are written as files (use '-' where "
                    + "an option offers standard output)");
        }
        Path existing = absolute.getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        if (!Files.isDirectory(existing)) {
            throw new IOException("cannot write '" + target + "': " + existing + " is not a directory");
        }
        if (existing.equals(absolute.getParent())) { // the real test: a file can be created there (root passes access checks)
            try {
                Files.delete(Files.createTempFile(existing, "." + absolute.getFileName(), ".tmp"));
            } catch (IOException e) {
                throw new IOException("cannot write '" + target + "': " + reason(e), e);
            }
        } else if (!Files.isWritable(existing)) {
            throw new IOException("cannot write '" + target + "': " + existing + " is not writable");
        }
    }

    /**
     * Fails when {@code dir}, an output directory, is or leads through links to a place under
     * /dev or /proc, or exists and is not a directory. Commands call it before any work.
     */
    public static void checkDirectory(Path dir) throws IOException {
        if (dir.toString().isEmpty()) {
            throw new IOException("empty directory name");
        }
        notASystemPlace(dir, true);
        Path absolute = dir.toAbsolutePath().normalize();
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new IOException("'" + dir + "' exists and is not a directory");
        }
    }

    /**
     * Refuses {@code target} when it, its directory, or any link on the way names a place under
     * /dev or /proc: /dev/stdout leads to the shell's redirected file or pipe, which a rename
     * would replace or miss. A link whose target's directory does not exist is refused too, so
     * that a write does not create directories wherever a link points.
     */
    private static void notASystemPlace(Path target, boolean directory) throws IOException {
        Path p = target.toAbsolutePath().normalize();
        for (int hops = 0; ; hops++) {
            systemPlace(target, p, directory);
            Path parent = p.getParent();
            if (parent != null && Files.exists(parent)) { // a linked directory on the way
                p = parent.toRealPath().resolve(p.getFileName());
                systemPlace(target, p, directory);
            }
            if (!Files.isSymbolicLink(p)) {
                break;
            }
            if (hops == MAX_LINK_HOPS) {
                throw new IOException("too many levels of symbolic links: " + target);
            }
            p = p.resolveSibling(Files.readSymbolicLink(p)).toAbsolutePath().normalize();
            if (p.getParent() != null && !Files.exists(p.getParent()) && !Files.exists(p)) {
                throw new IOException("'" + target + "' is a link to " + p + ", whose directory does not exist");
            }
        }
    }

    private static void systemPlace(Path target, Path p, boolean directory) throws IOException {
        Path root = p.getRoot();
        // /dev/shm is a file system like any other, where people keep scratch files
        boolean device = root != null && p.startsWith(root.resolve("dev")) && !p.startsWith(root.resolve("dev/shm"));
        if (device || root != null && p.startsWith(root.resolve("proc"))) {
            String where = p.equals(target.toAbsolutePath().normalize()) ? "" : " (it leads to " + p + ")";
            if (directory) {
                throw new IOException("'" + target + "' is a system directory" + where + "; give a directory of your own");
            }
            throw new IOException("'" + target + "' is not a regular file" + where
                    + "; outputs are written as files (use '-' where an option offers standard output)");
        }
    }

    /** Links followed at most to a file that does not exist yet, as the kernel's own limit on a path's links. */
    private static final int MAX_LINK_HOPS = 40;

    /**
     * The absolute path a write lands on: through a symbolic link to the file it names, so the
     * link stays a link, even when that file does not exist yet (a dangling link).
     */
    private static Path resolved(Path target) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        if (Files.exists(absolute)) {
            return absolute.toRealPath();
        }
        Path p = absolute;
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == MAX_LINK_HOPS) {
                throw new IOException("too many levels of symbolic links: " + target);
            }
            p = p.resolveSibling(Files.readSymbolicLink(p)).toAbsolutePath();
        }
        return p;
    }

    private static String reason(IOException e) {
        return switch (e) {
            case AccessDeniedException a -> "permission denied";
            case NoSuchFileException n -> "no files can be created in its directory";
            case FileSystemException f when f.getReason() != null -> f.getReason();
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
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

    /** Writes several files under {@code dir}, all or none (see {@link #writeAll(Map)}). */
    public static void writeAll(Path dir, Map<String, byte[]> files) throws IOException {
        Map<Path, Writer> targets = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            targets.put(under(dir, e.getKey()), out -> out.write(e.getValue()));
        }
        writeAll(targets);
    }

    /** {@code dir/relative}, refused when it would leave {@code dir} or {@code dir} is not a directory. */
    public static Path under(Path dir, String relative) throws IOException {
        if (dir.toString().isEmpty()) {
            throw new IOException("empty directory name");
        }
        Path root = dir.toAbsolutePath().normalize();
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new IOException("'" + dir + "' exists and is not a directory");
        }
        Path target = root.resolve(relative).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
            throw new IOException("refusing to write outside " + dir + ": " + relative);
        }
        return target;
    }
}
