package io.skein.actors;

import io.skein.protocols.Status;
import io.skein.transport.CallContext;

/**
 * One call as a service actor receives it: the request(s), the {@link CallContext} (metadata,
 * deadline, peer, cancellation) and a way to answer. Each call kind has its own type; a service
 * actor gets them wrapped in its own message types (see {@link CallMessage}).
 *
 * <p>Answering is idempotent: the first answer wins, later ones are ignored, and an answer to a call
 * that was cancelled or expired goes nowhere.
 *
 * @param <Req>  request type
 * @param <Resp> response type
 */
public sealed interface ServiceCall<Req, Resp>
        permits UnaryCall, ServerStreamingCall, ClientStreamingCall, BidiStreamingCall {

    /** {@code package.Service/Method}. */
    default String method() {
        return context().method();
    }

    /** Metadata, deadline, peer and cancellation of this call. */
    CallContext context();

    /** Ends the call with an error status. */
    void fail(Status status);

    /** Ends the call with the status a throwable stands for ({@code INTERNAL} unless it is a StatusException). */
    default void fail(Throwable error) {
        fail(Status.fromThrowable(error));
    }
}
