package io.attnkit.codegen.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** External compilers for the CUDA tests: nvcc and g++, found on the PATH. */
final class Tools {
    private Tools() {
    }

    /** The output of a finished command. */
    record Result(int exitCode, String output) {
    }

    static boolean onPath(String tool) {
        try {
            return run(Path.of("."), 60, List.of(tool, "--version")).exitCode() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs {@code command} in {@code dir}, stdout and stderr together; fails past {@code seconds}. */
    static Result run(Path dir, int seconds, List<String> command) throws IOException {
        Path log = Files.createTempFile("attnkit-tool", ".log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " ran past " + seconds + " s");
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
