package io.attnkit.cli;

import io.attnkit.codegen.BackendException;
import io.attnkit.dsl.check.InputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Turns any exception into the one-line message and exit code the user gets. */
final class Failures {
    private Failures() {
    }

    static int report(Exception ex, PrintWriter err) {
        int code = switch (ex) {
            case CliException c -> c.exitCode();
            case InputException i -> ExitCodes.USAGE;
            case BackendException b -> ExitCodes.USAGE;
            case IOException io -> ExitCodes.USAGE;
            case UncheckedIOException io -> ExitCodes.USAGE;
            default -> ExitCodes.INTERNAL;
        };
        String prefix = code == ExitCodes.INTERNAL ? "attnkit: internal error: " : "attnkit: error: ";
        err.println(prefix + describe(ex));
        debugTrace(ex, err);
        return code;
    }

    /** Reports {@code ex} as one error line without ending the command (which goes on with its other files). */
    static void reportAndGoOn(Exception ex, PrintWriter err) {
        err.println("attnkit: error: " + describe(ex));
        debugTrace(ex, err);
    }

    static String describe(Throwable t) {
        Throwable root = t instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : t;
        String message = switch (root) {
            case NoSuchFileException n -> "no such file: " + n.getFile();
            case AccessDeniedException a -> "permission denied: " + a.getFile();
            case FileSystemException f -> f.getFile() + ": " + (f.getReason() == null ? f.getClass().getSimpleName() : f.getReason());
            default -> root.getMessage();
        };
        if (message == null || message.isBlank()) {
            message = root.getClass().getSimpleName();
        }
        if (root instanceof CliException || root instanceof InputException || root instanceof BackendException
                || root instanceof IOException) {
            return oneLine(message);
        }
        return oneLine(root.getClass().getSimpleName() + ": " + message);
    }

    private static String oneLine(String s) {
        String line = s.strip().replaceAll("\\s*\\R\\s*", "; ");
        return line.length() > 500 ? line.substring(0, 500) + "..." : line;
    }

    static void debugTrace(Throwable t, PrintWriter err) {
        if ("1".equals(System.getenv("ATTNKIT_DEBUG"))) {
            t.printStackTrace(err);
        }
    }
}
