package io.skein.transport.internal.call;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.CallKind;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallAdmission;
import io.skein.transport.CallContext;
import io.skein.transport.CallRefusals;
import io.skein.transport.MethodRegistry;
import io.skein.transport.ServerMethod;
import org.apache.pekko.NotUsed;
import org.apache.pekko.annotation.InternalApi;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The one server dispatch path, for every protocol: once a protocol handler has read a call's head it
 * calls {@link #dispatch}, which looks the method up, refuses what cannot start (unknown method,
 * wrong call kind, connection draining), checks the server's bounded queues ({@link ServerQueues}) and
 * asks the {@link CallAdmission} before any message is parsed, creates the call's {@link CallContext}
 * (which takes the call out of its service's queue when the service starts it, and releases the
 * admission when the call ends), and starts
 * either a {@link ServerUnaryCall} or a {@link CallStreamStage} on the protocol's {@link ServerStream}.
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

    public ServerDispatcher(MethodRegistry registry, CallAdmission admission, ServerQueues queues,
                            Materializer materializer) {
        this.registry = requireNonNull(registry, "registry");
        this.admission = requireNonNull(admission, "admission");
        this.queues = requireNonNull(queues, "queues");
        this.materializer = requireNonNull(materializer, "materializer");
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
        ServerMethod<?, ?> method = registry.lookup(head.method());
        Status refusal = refusal(method, head, connection);
        if (refusal != null) {
            stream.refuse(refusal);
            return;
        }
        String name = method.descriptor().fullName();
        // Queues and admission before any message is parsed: a refused call costs no decoding.
        Status overloaded = queues.enter(name, connection);
        if (overloaded != null) {
            stream.refuse(overloaded);
            return;
        }
        CallAdmission.Decision admitted = Admissions.admit(admission, name, head.peer());
        if (!admitted.isAdmitted()) {
            queues.abandon(name);
            stream.refuse(admitted.refusal());
            return;
        }
        CallContext context = new CallContext(name, head.metadata(), head.timeoutMillis(), head.peer());
        CallContext.QueueExit exit = queues.exit(name, Admissions.queueExit(admitted));
        if (exit != null) {
            context.onQueueExit(exit);
        }
        Admissions.releaseOnEnd(admitted, context);
        stream.bind(context);
        if (method.descriptor().kind() == CallKind.UNARY) {
            ServerUnaryCall.start(method, context, stream, connection.channel().eventLoop(), head.timeoutMillis());
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
