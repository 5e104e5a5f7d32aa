package io.skein.runtime.cli;

/**
 * The exit codes of Skein's command line, documented in the README. A failed call exits with its
 * gRPC status code (1 to 16); everything that fails before a call is made has a code of its own, above
 * the status codes, from the BSD {@code sysexits.h} convention.
 */
public final class ExitCodes {

    /** Success. */
    public static final int OK = 0;
    /** A usage error: unknown command or option, a missing or malformed argument (EX_USAGE). */
    public static final int USAGE = 64;
    /** The machine refused what the command needs: a port in use, a host that does not resolve (EX_UNAVAILABLE). */
    public static final int UNAVAILABLE = 69;
    /** An unexpected internal error; {@code --verbose} shows its stack trace (EX_SOFTWARE). */
    public static final int INTERNAL = 70;
    /** A configuration error: a missing file, HOCON syntax, a value of the wrong type (EX_CONFIG). */
    public static final int CONFIG = 78;

    private ExitCodes() {
    }
}
