package io.attnkit.sim;

/**
 * Simulation options that do not fit the kernel or the target (a schedule a CPU does not run,
 * more key splits than key blocks, registers the target does not have): the caller's choice is
 * at fault, not the kernel, so the command line reports it as a usage error.
 */
public final class OptionsException extends IllegalArgumentException {
    public OptionsException(String message) {
        super(message);
    }
}
