package io.skein.protocols;

import static java.util.Objects.requireNonNull;

import java.util.Objects;

/**
 * The outcome of a call: a canonical {@link StatusCode}, a human-readable message and two local
 * facts that are never sent as such: an optional cause and whether the status was {@link #isRaised()
 * raised} on purpose.
 */
public final class Status {

    /** The successful outcome. */
    public static final Status OK = new Status(StatusCode.OK, "", null, false);

    private final StatusCode code;
    private final String message;
    private final Throwable cause;
    private final boolean raised;

    private Status(StatusCode code, String message, Throwable cause, boolean raised) {
        this.code = code;
        this.message = message;
        this.cause = cause;
        this.raised = raised;
    }

    /** A status with the given code and message ({@code null} message means empty). */
    public static Status of(StatusCode code, String message) {
        return new Status(requireNonNull(code, "code"), message == null ? "" : message, null, false);
    }

    /** A status of the given code with an empty message. */
    public static Status of(StatusCode code) {
        return of(code, "");
    }

    /**
     * The status a local failure stands for: the status of a {@link StatusException}, marked
     * {@link #isRaised() raised} unless it reports a crash, otherwise {@code INTERNAL} with the
     * throwable's description (a crash, not raised).
     */
    public static Status fromThrowable(Throwable t) {
        requireNonNull(t, "t");
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StatusException se) {
                Status s = se.status();
                return s.raised || s.reportsCrash() ? s : new Status(s.code, s.message, s.cause, true);
            }
        }
        String msg = t.getMessage() == null ? t.getClass().getName() : t.getClass().getSimpleName() + ": " + t.getMessage();
        return new Status(StatusCode.INTERNAL, msg, t, false);
    }

    /** A copy with a local cause attached. */
    public Status withCause(Throwable cause) {
        return new Status(code, message, cause, raised);
    }

    /**
     * Whether some code failed a call with this status on purpose: {@link #fromThrowable} found it in
     * a {@link StatusException} (a service's {@code fail(status)}, a failed answer stage) and it does
     * not report a crash, that is, it carries no local cause other than a {@code StatusException}
     * (the runtime reports a crashed handler as {@code INTERNAL} with the crash as its cause). A status
     * made with {@link #of} is not raised until it has been thrown that way.
     *
     * <p>The server runtime builds its own failures (refusals, its deadline, codec errors) directly
     * and takes a service's failure through {@link #fromThrowable}, so on a server's response this
     * tells a service's answer from a failure of the RPC itself. Kitex draws that line between a
     * business status error and an exception ({@code docs/protocol.md} §3). Local like the cause:
     * never sent as such, not part of {@link #equals}.
     */
    public boolean isRaised() {
        return raised;
    }

    private boolean reportsCrash() {
        return cause != null && !(cause instanceof StatusException);
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
