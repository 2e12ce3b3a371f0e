package io.attnkit.targets;

import io.attnkit.dsl.check.Frontend;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The hardware targets that ship with AttnKit, written in {@code .attn} with the public source of
 * every figure in a comment. They are visible to every file without an import; a file may shadow
 * one by declaring a target of the same name.
 */
public final class BuiltinTargets {
    /** The resource that lists the target files, one name per line. */
    private static final String INDEX = "index.txt";

    private static volatile Frontend.Library library;

    private BuiltinTargets() {
    }

    /** The built-in target files, for {@link Frontend#check}. */
    public static Frontend.Library library() {
        Frontend.Library l = library;
        if (l == null) {
            l = new Frontend.Library(load());
            library = l;
        }
        return l;
    }

    private static List<Frontend.SourceText> load() {
        List<Frontend.SourceText> sources = new ArrayList<>();
        for (String file : read(INDEX).lines().map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList()) {
            sources.add(new Frontend.SourceText("<builtin>/" + file, read(file)));
        }
        return sources;
    }

    private static String read(String resource) {
        try (InputStream in = BuiltinTargets.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("built-in target resource missing: " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
