package io.attnkit.dsl.select;

/**
 * A router's weights file is missing, unreadable, malformed, or does not fit the kernel. The
 * message is one line that names the file, fit to show a user as is.
 */
public final class WeightsException extends Exception {
    private static final long serialVersionUID = 1L;

    public WeightsException(String message) {
        super(message);
    }
}
