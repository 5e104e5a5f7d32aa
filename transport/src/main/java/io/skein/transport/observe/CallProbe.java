package io.skein.transport.observe;

import io.skein.protocols.Metadata;
import io.skein.protocols.Status;

/**
 * What an observer watches of one call (server call, logical client call, or one client attempt on a
 * wire): its messages, its end, and the trace it belongs to. Made by a {@link CallObserver}; owned by
 * the call that asked for it, which calls {@link #ended} exactly once, after every message hook.
 *
 * <p>Threads: hooks run on the call's I/O thread or its stream's actor, {@link #ended} on whichever thread
 * ends the call; an implementation must be thread-safe and must never block or throw (a throwing probe is
 * a bug of the probe; the engine does not guard against it). {@link #NONE} does nothing and allocates
 * nothing.
 */
public interface CallProbe {

    /** The probe of a call nobody observes. */
    CallProbe NONE = new CallProbe() {
        @Override
        public String toString() {
            return "CallProbe.NONE";
        }
    };

    /** The trace this call belongs to (the server span of a server call, the client span of a client call), or {@code null}. */
    default TraceContext trace() {
        return null;
    }

    /**
     * Client side: the request metadata to send on the wire for this call, given what the caller set
     * (the probe adds its propagation keys, {@code traceparent} and {@code tracestate}). Called once, as
     * the call is opened on a transport. Returns {@code metadata} itself when it adds nothing.
     */
    default Metadata outbound(Metadata metadata) {
        return metadata;
    }

    /** One message of {@code bytes} serialized bytes was sent (request on a client, response on a server). */
    default void messageSent(int bytes) {
    }

    /** One message of {@code bytes} serialized bytes was received. */
    default void messageReceived(int bytes) {
    }

    /** The call ended with {@code status}; called exactly once. */
    default void ended(Status status) {
    }
}
