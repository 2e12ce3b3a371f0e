package io.attnkit.sim.profile;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The text of a measurement file. A file that cannot be read at all (missing, a directory) is an
 * {@link IOException}, a usage error for the CLI; one that is not text is a {@link ProfileException},
 * a problem of its content, like a bad line.
 */
public final class ProfileText {
    private ProfileText() {
    }

    public static String read(Path file) throws IOException, ProfileException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory");
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file", e);
        } catch (CharacterCodingException e) {
            throw new ProfileException(file + ": not UTF-8 text");
        }
    }
}
