package io.attnkit.dsl.reference;

import java.io.IOException;

/**
 * A {@code .npy} file that is readable but not an array AttnKit accepts (wrong magic, dtype,
 * order or rank, truncated data). The message is one line naming the file. Plain
 * {@link IOException}s from {@link Npy} are I/O failures (missing file, permissions).
 */
public final class NpyException extends IOException {
    private static final long serialVersionUID = 1L;

    public NpyException(String message) {
        super(message);
    }
}
