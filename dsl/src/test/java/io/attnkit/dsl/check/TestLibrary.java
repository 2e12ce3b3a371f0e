package io.attnkit.dsl.check;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** What the front end's tests see as built in: two targets, {@code testgpu} and {@code testcpu}. */
final class TestLibrary {
    static final Frontend.Library LIBRARY = new Frontend.Library(List.of(
            new Frontend.SourceText("<builtin>/test-targets.attn", resource("/library/test-targets.attn"))));

    private TestLibrary() {
    }

    static String resource(String name) {
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
    static Path directory(String name) {
        try {
            return Path.of(TestLibrary.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
