package io.skein.protocols;

import static java.util.Objects.requireNonNull;

/** The exception every failed Skein call completes with; {@link #status()} says why. */
public final class StatusException extends RuntimeException {

    private final Status status;

    public StatusException(Status status) {
        super(requireNonNull(status, "status").toString(), status.cause(), false, true);
        this.status = status;
    }

    public StatusException(StatusCode code, String message) {
        this(Status.of(code, message));
    }

    public Status status() {
        return status;
    }

    public StatusCode code() {
        return status.code();
    }
}
