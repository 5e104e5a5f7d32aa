package io.skein.transport.observe;

import io.skein.protocols.Status;
import io.skein.transport.CallContext;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientCallContext;
import io.skein.transport.MethodDescriptor;
import java.net.SocketAddress;

/**
 * Watches the calls and connections of a server or of a client actor system, for metrics, tracing and
 * logs: the call engine's one observation hook, below every protocol. A server gets one through
 * {@link io.skein.transport.ServerOptions.Builder#observer}; client channels take the observer
 * {@linkplain CallObservers#install installed} for their actor system when they are created.
 *
 * <ul>
 * <li>Server: {@link #serverCall} for every call the dispatcher starts (after the admission, before any
 *     message is parsed), {@link #serverRefused} for every call it refuses (unknown method, wrong kind,
 *     draining connection, over a limit).</li>
 * <li>Client: {@link #clientCall} for every logical unary call made through a channel's entry
 *     ({@link io.skein.transport.ClientChannel#unary(MethodDescriptor, Object, CallOptions)}), ended when
 *     the caller's future completes; {@link #clientAttempt} for every call that reaches a wire (the call
 *     itself, or one retry or backup attempt of it, a {@linkplain ClientCallContext#newAttempt child}
 *     context), ended by the transport; {@link #clientStream} for a streaming call.</li>
 * <li>Connections: opened and closed, per protocol and side.</li>
 * </ul>
 *
 * <p>Threads: server hooks run on the connection's I/O thread, client hooks on the caller's thread.
 * Every method must be quick, non-blocking and must not throw. {@link #NONE} observes nothing and
 * returns {@link CallProbe#NONE}, so an unobserved call allocates nothing for observation.
 */
public interface CallObserver {

    /** Observes nothing. */
    CallObserver NONE = new CallObserver() {
        @Override
        public String toString() {
            return "CallObserver.NONE";
        }
    };

    /**
     * A server call starts: {@code context} has its method, metadata (with the caller's trace context,
     * if any), deadline and peer. {@code protocol} is the wire's name ({@code skein}, {@code grpc}).
     */
    default CallProbe serverCall(CallContext context, String protocol) {
        return CallProbe.NONE;
    }

    /** A server call was refused before it started; {@code method} is the name the peer sent. */
    default void serverRefused(String method, String protocol, Status status, SocketAddress peer) {
    }

    /** A logical client unary call was made with {@code context} (attempt 0, its deadline already set). */
    default CallProbe clientCall(ClientCallContext context) {
        return CallProbe.NONE;
    }

    /**
     * A unary call reaches a wire of {@code protocol}: {@code context} is the logical call's own (when no
     * layer made attempts) or an attempt's, whose {@link ClientCallContext#parent()} is the logical call.
     */
    default CallProbe clientAttempt(ClientCallContext context, String protocol) {
        return CallProbe.NONE;
    }

    /** A streaming client call of {@code method} is opened over {@code protocol}. */
    default CallProbe clientStream(MethodDescriptor<?, ?> method, CallOptions options, String protocol) {
        return CallProbe.NONE;
    }

    /** A connection of {@code protocol} opened ({@code server}: accepted by a server, else dialled by a client). */
    default void connectionOpened(String protocol, boolean server) {
    }

    /** A connection {@linkplain #connectionOpened opened} before has closed. */
    default void connectionClosed(String protocol, boolean server) {
    }
}
