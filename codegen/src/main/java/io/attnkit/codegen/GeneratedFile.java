package io.attnkit.codegen;

/** One generated file: its path relative to the output directory, and its text. */
public record GeneratedFile(String path, String content) {
    public GeneratedFile {
        if (path.isEmpty() || path.startsWith("/") || path.contains("..")) {
            throw new IllegalArgumentException("generated paths are relative and stay inside the output directory: " + path);
        }
    }
}
