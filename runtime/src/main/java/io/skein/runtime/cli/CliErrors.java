package io.skein.runtime.cli;

import com.typesafe.config.ConfigException;
import io.skein.protocols.StatusException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns whatever ended a command into one line on standard error and an exit code ({@link ExitCodes}):
 * usage errors, configuration errors (missing file, HOCON syntax, wrong type), a port in use or a host
 * that does not resolve, a call's status, and anything else as an internal error. Never a stack trace
 * unless {@code verbose}.
 */
public final class CliErrors {

    private CliErrors() {
    }

    /** Prints {@code failure} as one line on {@code err} (and its stack trace when {@code verbose}); returns the exit code. */
    public static int report(Throwable failure, boolean verbose, PrintStream err) {
        Throwable t = unwrap(failure);
        int code;
        String line;
        if (t instanceof CliException e) {
            code = e.exitCode();
            line = "ERROR: " + e.getMessage();
        } else if (t instanceof IllegalArgumentException) {
            code = ExitCodes.USAGE;
            line = "ERROR: " + t.getMessage();
        } else if (t instanceof ConfigException e) {
            code = ExitCodes.CONFIG;
            line = "ERROR: configuration: " + e.getMessage();
        } else if (t instanceof StatusException e) {
            code = e.code().value();
            line = "ERROR " + e.code() + ": " + e.status().message();
        } else if (addressInUse(t)) {
            code = ExitCodes.UNAVAILABLE;
            line = "ERROR: cannot listen: address already in use (choose another "
                    + (mentions(t, "pekko.management.http.port") ? "pekko.management.http.port"
                    : "--port or skein.server.port") + ")";
        } else if (has(t, UnresolvedAddressException.class) || has(t, UnknownHostException.class)) {
            code = ExitCodes.UNAVAILABLE;
            line = "ERROR: cannot resolve the host" + (t.getMessage() == null ? "" : ": " + t.getMessage());
        } else {
            code = ExitCodes.INTERNAL;
            line = "ERROR: internal error: " + t + " (--verbose shows where)";
        }
        err.println(line.replaceAll("\\s*[\\r\\n]+\\s*", " "));
        if (verbose) {
            failure.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Whether {@code t} or a cause is a failed bind because the address is in use. */
    public static boolean addressInUse(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BindException
                    || c.getMessage() != null && c.getMessage().contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    private static boolean mentions(Throwable t, String text) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }

    private static boolean has(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
