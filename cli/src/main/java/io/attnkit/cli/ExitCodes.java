package io.attnkit.cli;

/** The exit codes of every {@code attnkit} command. */
public final class ExitCodes {
    public static final int OK = 0;
    /** The input has errors: diagnostics, a kernel outside tolerance, a file not formatted. */
    public static final int INPUT = 1;
    /** Bad usage, or a file or device that cannot be read or used. */
    public static final int USAGE = 2;
    /** A bug in AttnKit. */
    public static final int INTERNAL = 3;

    private ExitCodes() {
    }
}
