package io.attnkit.dsl.check;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the front end's tests see as built in: two targets, {@code testgpu} and {@code testcpu},
 * and, when this checkout has them, the built-in targets of the targets module (read from its
 * sources: the dsl module cannot depend on it).
 */
public final class TestLibrary {
    public static final Frontend.Library LIBRARY = new Frontend.Library(List.of(
            new Frontend.SourceText("<builtin>/test-targets.attn", resource("/library/test-targets.attn"))));

    /** The targets module's resources, seen from this module's directory (where tests run). */
    private static final Path BUILTIN_TARGETS = Path.of("..", "targets", "src", "main", "resources", "io", "attnkit", "targets");

    /** The built-in targets as the targets module lists them, or the test targets when it lists none. */
    public static Frontend.Library builtins() {
        List<Frontend.SourceText> sources = new ArrayList<>();
        Path index = BUILTIN_TARGETS.resolve("index.txt");
        try {
            if (Files.isRegularFile(index)) {
                for (String line : Files.readAllLines(index)) {
                    String name = line.strip();
                    if (!name.isEmpty() && !name.startsWith("#")) {
                        sources.add(new Frontend.SourceText("<builtin>/" + name, Files.readString(BUILTIN_TARGETS.resolve(name))));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sources.isEmpty() ? LIBRARY : new Frontend.Library(sources);
    }

    private TestLibrary() {
    }

    public static String resource(String name) {
        try (InputStream in = TestLibrary.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("test resource missing: " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory of a test resource directory, such as {@code /diagnostics}. */
    public static Path directory(String name) {
        try {
            return Path.of(TestLibrary.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
