package io.skein.actors.internal;

import io.skein.actors.BidiStreamingCall;
import io.skein.actors.CallMessage;
import io.skein.actors.ClientStreamingCall;
import io.skein.actors.ServerStreamingCall;
import io.skein.actors.UnaryCall;
import io.skein.protocols.CallKind;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.transport.CallContext;
import io.skein.transport.ServerMethodHandler;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Drives one method by sending each call, wrapped by the service's adapter, to the service actor,
 * and turning the actor's answer into what the transport expects.
 *
 * <p>It {@linkplain #marksStart marks each call started} when the service begins it: for a message the
 * {@link CallGuard} sees (a {@link CallMessage} to an actor Skein spawned), as the actor takes it from its
 * mailbox, so the call's wait there is its queueing delay; for any other message (an actor of your own, a
 * message that does not carry its call) as it is sent, since nothing later can see it.
 */
public final class ActorMethodHandler<Req, Resp, T> implements ServerMethodHandler<Req, Resp> {

    private final CallKind kind;
    private final ServiceEndpoint<T> endpoint;
    private final Function<Object, ? extends T> adapter;
    private final boolean guarded;
    private final Executor executor;

    /**
     * @param guarded whether the endpoint's actor runs behind a {@link CallGuard} (Skein spawned it), which
     *                marks {@link CallMessage}s started as the actor takes them
     * @param executor the dispatcher the endpoint's actor runs on, where a transport may hand over a batch of
     *                 unary calls as one task (null when unknown: an actor of your own)
     */
    @SuppressWarnings("unchecked")
    public ActorMethodHandler(CallKind kind, ServiceEndpoint<T> endpoint, Function<?, ? extends T> adapter,
                              boolean guarded, Executor executor) {
        this.kind = kind;
        this.endpoint = endpoint;
        this.adapter = (Function<Object, ? extends T>) adapter;
        this.guarded = guarded;
        this.executor = executor;
    }

    /**
     * The actor's dispatcher: telling the actor a batch of calls from one of its threads queues them all
     * before that thread runs the actor, instead of waking it for the first one.
     */
    @Override
    public Executor executor() {
        return executor;
    }

    @Override
    public boolean marksStart() {
        return true;
    }

    @Override
    public CompletionStage<Resp> unary(Req request, CallContext context) {
        CompletableFuture<Resp> answer = new CompletableFuture<>();
        send(adapter.apply(new UnaryCall<>(request, context, answer)), context);
        return answer;
    }

    /** Sends a call's message to the actor; marks the call started now unless the guard will see it taken. */
    private void send(T message, CallContext context) {
        if (!guarded || !(message instanceof CallMessage)) {
            context.markStarted();
        }
        endpoint.tell(message);
    }

    @Override
    public Source<Resp, ?> streaming(Source<Req, NotUsed> requests, CallContext context) {
        switch (kind) {
            case SERVER_STREAMING:
                return requests.take(1).map(Optional::of).orElse(Source.single(Optional.empty()))
                        .take(1)
                        .flatMapConcat(first -> first.isEmpty()
                                ? erase(Source.<Resp>failed(new StatusException(StatusCode.INVALID_ARGUMENT,
                                "server-streaming call sent no request")))
                                : erase(Source.completionStageSource(dispatchServerStreaming(first.get(), context))));
            case CLIENT_STREAMING: {
                CompletableFuture<Resp> answer = new CompletableFuture<>();
                send(adapter.apply(new ClientStreamingCall<>(requests, context, answer)), context);
                return Source.completionStage(answer);
            }
            case BIDI_STREAMING: {
                CompletableFuture<Source<Resp, ?>> responses = new CompletableFuture<>();
                send(adapter.apply(new BidiStreamingCall<>(requests, context, responses)), context);
                return Source.completionStageSource(responses.thenApply(ActorMethodHandler::erase));
            }
            default:
                throw new IllegalStateException("unary method called as a stream");
        }
    }

    private CompletionStage<Source<Resp, Object>> dispatchServerStreaming(Req request, CallContext context) {
        CompletableFuture<Source<Resp, ?>> responses = new CompletableFuture<>();
        send(adapter.apply(new ServerStreamingCall<>(request, context, responses)), context);
        return responses.thenApply(ActorMethodHandler::erase);
    }

    @SuppressWarnings("unchecked")
    private static <Resp> Source<Resp, Object> erase(Source<Resp, ?> source) {
        return (Source<Resp, Object>) source;
    }
}
