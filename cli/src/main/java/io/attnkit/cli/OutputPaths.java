package io.attnkit.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/** Checks on where a command writes, made before it does any work. */
final class OutputPaths {
    private OutputPaths() {
    }

    /** Refuses {@code output} (given as {@code option}) when it names one of the command's own inputs. */
    static void notAnInput(Path output, String option, Path... inputs) throws IOException {
        notAnInput(output, option, java.util.Arrays.asList(inputs));
    }

    /** As {@link #notAnInput(Path, String, Path...)}, for a list that may hold nulls. */
    static void notAnInput(Path output, String option, java.util.List<Path> inputs) throws IOException {
        Path input = inputAt(output, inputs);
        if (input != null) {
            throw new CliException(ExitCodes.USAGE, option + " " + output + " would overwrite the input " + input);
        }
    }

    /** The one of {@code inputs} (which may hold nulls) that {@code path} names, or null. */
    static Path inputAt(Path path, java.util.List<Path> inputs) throws IOException {
        for (Path input : inputs) {
            if (input != null && same(path, input)) {
                return input;
            }
        }
        return null;
    }

    /**
     * The converter of every option that names an output file. A name ending in '/' means a
     * directory, but {@link Path} drops that slash (and the write would make a file of the
     * directory's name), so it is refused here, while the user's spelling is still known.
     */
    static final class FileName implements CommandLine.ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            if (value.endsWith("/") || value.endsWith(java.io.File.separator)) {
                throw new CommandLine.TypeConversionException("'" + value + "' ends in '/', so it names a directory; "
                        + "give a file name");
            }
            return Path.of(value);
        }
    }

    /** Whether {@code a} and {@code b} name one file: through links and different spellings. */
    static boolean same(Path a, Path b) throws IOException {
        if (Files.exists(a) && Files.exists(b)) {
            return Files.isSameFile(a, b); // through links and different spellings
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
