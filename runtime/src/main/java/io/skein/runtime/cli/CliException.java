package io.skein.runtime.cli;

/**
 * A command-line failure with its exit code ({@link ExitCodes}) and one line for standard error,
 * thrown where the cause is known and reported by {@link CliErrors}.
 */
public final class CliException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
