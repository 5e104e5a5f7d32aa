package io.skein.transport.internal.call;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.CallKind;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallAdmission;
import io.skein.transport.CallContext;
import io.skein.transport.CallRefusals;
import io.skein.transport.MethodRegistry;
import io.skein.transport.ServerInterceptor;
import io.skein.transport.ServerMethod;
import io.skein.transport.observe.CallObserver;
import io.skein.transport.observe.CallProbe;
import java.util.List;
import org.apache.pekko.NotUsed;
import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The one server dispatch path, for every protocol: once a protocol handler has read a call's head it
 * calls {@link #dispatch}, which looks the method up, refuses what cannot start (unknown method,
 * wrong call kind, connection draining), creates the call's {@link CallContext} (with the connection's
 * TLS session), runs the server's {@link ServerInterceptor}s (authentication and authorization among
 * them), checks the server's bounded queues ({@link ServerQueues}) and then asks the
 * {@link CallAdmission}, all before any message is parsed (the context takes the call out of its
 * service's queue when the service starts it, and releases the admission when the call ends), and
 * starts either a {@link ServerUnaryCall} or a {@link CallStreamStage} on the protocol's
 * {@link ServerStream}. A dispatcher made by {@link #refusingAll} refuses every call (plaintext on a
 * port that requires TLS).
 * Protocol handlers only frame bytes: they feed the call's later {@link StreamEvent}s to the listener
 * the dispatcher {@linkplain ServerStream#attach attached}.
 *
 * <p>One per server, shared by all its connections; immutable; {@link #dispatch} runs on the
 * connection's I/O thread.
 */
@InternalApi
public final class ServerDispatcher {

    private final MethodRegistry registry;
    private final CallAdmission admission;
    private final ServerQueues queues;
    private final Materializer materializer;
    private final CallObserver observer;
    private final ServerInterceptor[] interceptors;
    private final Status refuseAll;
    // Set once, by the server's shutdown: from then on no call starts on any connection, even one whose
    // own drain (a message to its connection actor) has not arrived yet.
    private volatile boolean shuttingDown;

    /** A dispatcher without interceptors or observer, its queues bounded as {@code registry}'s transport says. */
    public ServerDispatcher(MethodRegistry registry, CallAdmission admission, ServerQueues queues,
                            Materializer materializer) {
        this(registry, admission, List.of(), queues, materializer, CallObserver.NONE);
    }

    /**
     * A dispatcher running {@code interceptors} before its queues and admission on every call, whose
     * calls (started and refused) {@code observer} watches.
     */
    public ServerDispatcher(MethodRegistry registry, CallAdmission admission, List<ServerInterceptor> interceptors,
                            ServerQueues queues, Materializer materializer, CallObserver observer) {
        this(registry, admission, interceptors.toArray(ServerInterceptor[]::new), queues, materializer, observer, null);
    }

    private ServerDispatcher(MethodRegistry registry, CallAdmission admission, ServerInterceptor[] interceptors,
                             ServerQueues queues, Materializer materializer, CallObserver observer, Status refuseAll) {
        this.registry = requireNonNull(registry, "registry");
        this.admission = requireNonNull(admission, "admission");
        this.interceptors = interceptors;
        this.queues = requireNonNull(queues, "queues");
        this.materializer = requireNonNull(materializer, "materializer");
        this.observer = requireNonNull(observer, "observer");
        this.refuseAll = refuseAll;
    }

    /** Who watches this dispatcher's calls. */
    public CallObserver observer() {
        return observer;
    }

    /** A dispatcher that answers every call with {@code status} and starts none. */
    public ServerDispatcher refusingAll(Status status) {
        return new ServerDispatcher(registry, admission, interceptors, queues, materializer, observer,
                requireNonNull(status, "status"));
    }

    /**
     * The server is shutting down: every call that has not started yet is refused
     * ({@link CallRefusals#shuttingDown}, which a client may send elsewhere) from this moment, on every
     * connection; calls already started run on. Any thread.
     */
    public void shutDown() {
        shuttingDown = true;
    }

    /** The server's bounded queues. */
    public ServerQueues queues() {
        return queues;
    }

    /**
     * Starts the call whose head arrived on {@code connection}, answering through {@code stream}: either
     * {@link ServerStream#attach} (the call runs) or {@link ServerStream#refuse} (it never starts) is
     * called before this returns. On the connection's I/O thread.
     */
    public void dispatch(Connection connection, ServerCallHead head, ServerStream stream) {
        if (refuseAll != null) {
            stream.refuse(refuseAll);
            return;
        }
        ServerMethod<?, ?> method = registry.lookup(head.method());
        Status refusal = shuttingDown ? CallRefusals.shuttingDown() : refusal(method, head, connection);
        if (refusal != null) {
            observer.serverRefused(head.method(), connection.protocol(), refusal, head.peer());
            stream.refuse(refusal);
            return;
        }
        String name = method.descriptor().fullName();
        CallContext context = new CallContext(name, head.metadata(), head.timeoutMillis(), head.peer(),
                connection.channel().attr(ConnectionTls.PEER).get());
        // Interceptors (authentication, authorization), then the queues and admission (limits), all before
        // any message is parsed: a refused call costs no decoding, and a call an interceptor refuses takes
        // no place in a queue and no permit.
        Status denied = Interceptors.intercept(interceptors, context);
        if (denied != null) {
            observer.serverRefused(name, connection.protocol(), denied, head.peer());
            stream.refuse(denied);
            return;
        }
        Status overloaded = queues.enter(name, connection);
        if (overloaded != null) {
            observer.serverRefused(name, connection.protocol(), overloaded, head.peer());
            stream.refuse(overloaded);
            return;
        }
        CallAdmission.Decision admitted = Admissions.admit(admission, name, head.peer());
        if (!admitted.isAdmitted()) {
            queues.abandon(name);
            observer.serverRefused(name, connection.protocol(), admitted.refusal(), head.peer());
            stream.refuse(admitted.refusal());
            return;
        }
        CallProbe probe = observer.serverCall(context, connection.protocol());
        if (probe != CallProbe.NONE) {
            context.observe(probe); // before anything can terminate the call
        }
        CallContext.QueueExit exit = queues.exit(name, Admissions.queueExit(admitted));
        if (exit != null) {
            context.onQueueExit(exit);
        }
        Admissions.releaseOnEnd(admitted, context);
        stream.bind(context);
        if (method.descriptor().kind() == CallKind.UNARY) {
            ServerUnaryCall.start(method, context, stream, connection, connection.channel().eventLoop(),
                    head.timeoutMillis());
        } else {
            startStream(method, context, head.timeoutMillis(), stream);
        }
    }

    /** Why a call cannot start, or {@code null} when it can. */
    private static Status refusal(ServerMethod<?, ?> method, ServerCallHead head, Connection connection) {
        if (method == null) {
            return Status.of(StatusCode.UNIMPLEMENTED, "unknown method " + head.method());
        }
        CallKind kind = method.descriptor().kind();
        if (head.kind() != null && head.kind() != kind) {
            return Status.of(StatusCode.UNIMPLEMENTED, "method " + head.method() + " is " + kind
                    + ", called as " + head.kind());
        }
        if (connection.isDraining() || connection.isClosed()) {
            return CallRefusals.shuttingDown();
        }
        return null;
    }

    /** Runs the service's stream transformer behind a {@link CallStreamStage}; the stage attaches itself. */
    private <Req, Resp> void startStream(ServerMethod<Req, Resp> method, CallContext context, long timeoutMillis,
                                         ServerStream stream) {
        Flow<Req, Resp, NotUsed> service = Flow.<Req>create().prefixAndTail(0).flatMapConcat(pair -> {
            Source<Resp, ?> responses;
            try {
                if (!method.handler().marksStart()) {
                    context.markStarted();
                }
                responses = method.handler().streaming(pair.second(), context);
            } catch (Throwable t) {
                responses = Source.failed(t);
            }
            return erase(responses == null
                    ? Source.<Resp>failed(new NullPointerException("service returned no stream")) : responses);
        });
        CallStreamStage<Resp, Req> stage = CallStreamStage.server(stream, method.descriptor().fullName(),
                method.descriptor().kind(), timeoutMillis, method.descriptor().requests(),
                method.descriptor().responses(), context);
        Flow.fromGraph(stage).join(service).run(materializer);
    }

    @SuppressWarnings("unchecked")
    private static <T> Source<T, Object> erase(Source<T, ?> source) {
        return (Source<T, Object>) source;
    }
}
