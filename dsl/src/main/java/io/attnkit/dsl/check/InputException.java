package io.attnkit.dsl.check;

/**
 * An input that cannot be read at all: a missing file, a directory, a file too large. Its
 * message is one line meant for the user; the CLI exits with status 2.
 */
public final class InputException extends Exception {
    public InputException(String message) {
        super(message);
    }
}
