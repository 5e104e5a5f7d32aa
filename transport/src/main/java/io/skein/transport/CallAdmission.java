package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import java.net.SocketAddress;

/**
 * Decides, before a request is decoded, whether a server takes a call, and whether it takes a new
 * connection: the hook through which server limits (concurrency, rate, connections) act without the
 * transport knowing any of them. Pass one to the server with {@link ServerOptions.Builder#admission}.
 *
 * <p>The transport calls {@link #admit} on a Netty event loop once a call's method is known and before
 * its payload is parsed (native protocol: on the request or stream-open frame; gRPC: on the request
 * headers, before any DATA is read). A refused call is answered at once with the decision's status
 * (use {@code RESOURCE_EXHAUSTED} for limits) and the connection stays open. An admitted call's
 * {@link Decision#release} runs exactly once when the call ends, with its final status, on whatever
 * thread ends it. Before that, {@link Decision#dequeued} reports once how long the call waited in the
 * node before its service started it (or that it ended still waiting): the queueing delay an admission
 * can shorten by admitting fewer calls. {@link #acceptConnection} runs on the event loop as a connection
 * is accepted; a refused connection is closed at once. Every method must be quick and non-blocking.
 */
public interface CallAdmission {

    /**
     * Whether the call of {@code method} ({@code package.Service/Method}) from {@code peer} may start.
     * Never returns {@code null}.
     */
    Decision admit(String method, SocketAddress peer);

    /**
     * Whether a connection from {@code peer} may stay open; {@code false} closes it at once. For every
     * accepted connection the transport later calls {@link #connectionClosed} once.
     */
    default boolean acceptConnection(SocketAddress peer) {
        return true;
    }

    /** A connection {@linkplain #acceptConnection accepted} before has closed. */
    default void connectionClosed(SocketAddress peer) {
    }

    /** The admission that takes every call and connection (a server's default). */
    static CallAdmission unlimited() {
        return UnlimitedAdmission.INSTANCE;
    }

    /** The answer for one call: admitted (then released once at its end) or refused with a status. */
    interface Decision {

        /** Why the call is refused, or {@code null} when it is admitted. */
        Status refusal();

        /**
         * The admitted call ended with {@code status} (its final status: OK, an error, CANCELLED,
         * DEADLINE_EXCEEDED, UNAVAILABLE). Called exactly once per admitted call; never for a refusal.
         */
        void release(Status status);

        /**
         * The admitted call stopped waiting in the node: its service started it after {@code waitedNanos}
         * since admission ({@code started}), or it ended while still waiting ({@code started} false: cancelled,
         * expired or its connection lost before the service got to it). Called at most once per admitted
         * call and before {@link #release}, on the thread that started or ended the call (a service actor's,
         * an I/O thread); must be quick. Default: nothing.
         */
        default void dequeued(boolean started, long waitedNanos) {
        }

        /** Whether the call may start. */
        default boolean isAdmitted() {
            return refusal() == null;
        }

        /** An admission that needs no release (nothing to count). */
        static Decision admitted() {
            return UnlimitedAdmission.ADMITTED;
        }

        /** A refusal with {@code status}, which must not be OK. */
        static Decision refused(Status status) {
            requireNonNull(status, "status");
            if (status.isOk()) {
                throw new IllegalArgumentException("a refusal needs an error status");
            }
            return new Refused(status);
        }

        /** A {@code RESOURCE_EXHAUSTED} refusal with {@code message}. */
        static Decision exhausted(String message) {
            return refused(Status.of(StatusCode.RESOURCE_EXHAUSTED, requireNonNull(message, "message")));
        }
    }

    /** A refusal; carries its status only. */
    record Refused(Status refusal) implements Decision {
        public Refused {
            requireNonNull(refusal, "refusal");
        }

        @Override
        public void release(Status status) {
            // nothing was admitted
        }
    }
}
