package io.attnkit.sim.profile;

/** A measured profile that cannot be read; the message names the file (and line) and the problem. */
public final class ProfileException extends Exception {
    public ProfileException(String message) {
        super(message);
    }
}
