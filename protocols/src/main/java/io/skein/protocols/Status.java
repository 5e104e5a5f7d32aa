package io.skein.protocols;

import static java.util.Objects.requireNonNull;

import java.util.Objects;

/**
 * The outcome of a call: a canonical {@link StatusCode}, a human-readable message and an optional
 * local cause (never sent on the wire).
 */
public final class Status {

    /** The successful outcome. */
    public static final Status OK = new Status(StatusCode.OK, "", null);

    private final StatusCode code;
    private final String message;
    private final Throwable cause;

    private Status(StatusCode code, String message, Throwable cause) {
        this.code = code;
        this.message = message;
        this.cause = cause;
    }

    /** A status with the given code and message ({@code null} message means empty). */
    public static Status of(StatusCode code, String message) {
        return new Status(requireNonNull(code, "code"), message == null ? "" : message, null);
    }

    /** A status of the given code with an empty message. */
    public static Status of(StatusCode code) {
        return of(code, "");
    }

    /**
     * The status a local failure stands for: the status of a {@link StatusException}, otherwise
     * {@code INTERNAL} with the throwable's description.
     */
    public static Status fromThrowable(Throwable t) {
        requireNonNull(t, "t");
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StatusException se) {
                return se.status();
            }
        }
        String msg = t.getMessage() == null ? t.getClass().getName() : t.getClass().getSimpleName() + ": " + t.getMessage();
        return new Status(StatusCode.INTERNAL, msg, t);
    }

    /** A copy with a local cause attached. */
    public Status withCause(Throwable cause) {
        return new Status(code, message, cause);
    }

    public StatusCode code() {
        return code;
    }

    public String message() {
        return message;
    }

    /** The local cause, if any; never transmitted. */
    public Throwable cause() {
        return cause;
    }

    public boolean isOk() {
        return code == StatusCode.OK;
    }

    /** An exception carrying this status. */
    public StatusException asException() {
        return new StatusException(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Status s && s.code == code && s.message.equals(message);
    }

    @Override
    public int hashCode() {
        return Objects.hash(code, message);
    }

    @Override
    public String toString() {
        return message.isEmpty() ? code.name() : code.name() + ": " + message;
    }
}
