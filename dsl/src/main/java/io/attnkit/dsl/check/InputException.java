package io.attnkit.dsl.check;

/**
 * An input that cannot be read at all: a missing file, a directory, a file too large. Its
 * message is one line meant for the user; the CLI exits with status 2.
 */
public final class InputException extends Exception {
    private final String reason;

    public InputException(String message) {
        this(message, message);
    }

    /** {@code reason} says why without naming the file ("no such file"), for messages that name it already. */
    public InputException(String message, String reason) {
        super(message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
