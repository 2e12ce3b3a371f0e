package io.attnkit.cli;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The .attn files under src/test/resources/kernels. */
final class TestFiles {
    private TestFiles() {
    }

    static Path kernel(String name) {
        try {
            return Path.of(TestFiles.class.getResource("/kernels/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
