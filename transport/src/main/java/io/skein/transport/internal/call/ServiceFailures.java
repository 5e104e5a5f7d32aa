package io.skein.transport.internal.call;

import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallContext;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a service's failure into the status its caller gets (DESIGN, failure model): a status the
 * service {@linkplain Status#isRaised() raised} on purpose goes out as it is; anything else is a crash,
 * answered with {@code INTERNAL} and the fixed message {@link #CRASH_MESSAGE} (no exception text or
 * class name crosses the wire) and logged here, once, with the call's id, method and peer. A crash
 * stays not raised, so the Kitex mapping sends it as an exception, never as a business status.
 *
 * <p>Stateless; called on whatever thread the service's answer completes on.
 */
final class ServiceFailures {

    /** What a caller reads when the service crashed. */
    static final String CRASH_MESSAGE = "internal error";

    private static final Logger log = LoggerFactory.getLogger(ServiceFailures.class);

    private ServiceFailures() {
    }

    /** The status answering {@code context}'s call, which the service failed with {@code error}. */
    static Status answer(CallContext context, Throwable error) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        Status status = Status.fromThrowable(t);
        if (status.isRaised()) {
            return status;
        }
        Throwable cause = status.cause() != null ? status.cause() : t;
        return crashed(context, cause, "the service failed");
    }

    /** Logs a crash of {@code context}'s call ({@code what} happened) and returns the generic status for it. */
    static Status crashed(CallContext context, Throwable cause, String what) {
        log.error("call #{} {} from {}: {}; answered INTERNAL", context.callId(), context.method(),
                context.peer().map(Object::toString).orElse("?"), what, cause);
        return Status.of(StatusCode.INTERNAL, CRASH_MESSAGE).withCause(cause);
    }
}
