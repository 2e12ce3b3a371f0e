package io.attnkit.codegen;

/**
 * A backend cannot do what was asked on this machine or for this kernel (no OpenCL platform, a
 * kernel the backend does not support, a compiler error). The message is one line for the user.
 */
public final class BackendException extends Exception {
    public BackendException(String message) {
        super(message);
    }

    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
