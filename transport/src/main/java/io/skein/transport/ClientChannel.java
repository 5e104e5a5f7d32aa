package io.skein.transport;

import io.skein.protocols.Status;
import io.skein.transport.observe.CallObserver;
import io.skein.transport.observe.CallProbe;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * Where client calls go: one endpoint ({@link EndpointChannel}), or (in higher modules) a governed,
 * balanced chain over many. Typed stubs are built on this; every protocol's client implements it, and
 * every layer of a client chain (Kitex's {@code Endpoint -> Endpoint}) is one.
 *
 * <p>A unary call has one {@link ClientCallContext} from the moment it is made: the
 * {@linkplain #unary(MethodDescriptor, Object, CallOptions) caller's entry} creates it, and each layer
 * passes it (or, for a retry or backup request, a {@linkplain ClientCallContext#newAttempt child}) to
 * the layer below through {@link #unary(MethodDescriptor, Object, ClientCallContext)}. Cancellation
 * travels through the context, never through futures.
 */
public interface ClientChannel extends AutoCloseable {

    /**
     * Makes a unary call: creates its context now (the deadline starts here) and passes it down. The
     * returned future fails with a {@link io.skein.protocols.StatusException}; cancelling it
     * ({@code cancel(true)}) cancels the call on the server; callers cannot complete it. It completes on
     * an I/O thread unless {@link CallOptions#withExecutor} names an executor.
     */
    default <Req, Resp> CallFuture<Resp> unary(MethodDescriptor<Req, Resp> method, Req request, CallOptions options) {
        ClientCallContext context = ClientCallContext.create(method, options);
        CallProbe probe = observer().clientCall(context);
        if (probe != CallProbe.NONE) {
            context.observe(probe);
        }
        CompletionStage<Resp> call;
        try {
            call = unary(method, request, context);
        } catch (RuntimeException e) {
            call = java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        CallFuture<Resp> future = CallFuture.of(context, call);
        if (probe != CallProbe.NONE) {
            future.whenComplete((value, failure) -> probe.ended(failure == null ? Status.OK
                    : Status.fromThrowable(failure)));
        }
        return future;
    }

    /**
     * Who observes the calls made through this channel's entry (the logical calls): the observer
     * {@linkplain io.skein.transport.observe.CallObservers#install installed} for the channel's actor
     * system when it was created; {@link CallObserver#NONE} by default.
     */
    default CallObserver observer() {
        return CallObserver.NONE;
    }

    /**
     * One unary call (or one attempt of it) with its context, as a client chain passes it down. The
     * stage fails with a {@link io.skein.protocols.StatusException}; an implementation ends the call
     * when {@code context} is cancelled.
     */
    <Req, Resp> CompletionStage<Resp> unary(MethodDescriptor<Req, Resp> method, Req request, ClientCallContext context);

    /**
     * A streaming call of any kind, as a flow from requests to responses. Each materialization is one
     * call. Cancelling downstream cancels the call; the flow fails with a
     * {@link io.skein.protocols.StatusException} when the call ends in error.
     */
    <Req, Resp> Flow<Req, Resp, NotUsed> stream(MethodDescriptor<Req, Resp> method, CallOptions options);

    /**
     * This channel with {@code credentials} added to every call made through the returned channel's
     * entry points ({@link #unary(MethodDescriptor, Object, CallOptions)} and {@link #stream}); wrap the
     * outermost channel of a chain. Closing the returned channel closes this one.
     */
    default ClientChannel withCredentials(CallCredentials credentials) {
        return new CredentialsChannel(this, credentials);
    }

    /** Closes every connection; calls in flight end with UNAVAILABLE. */
    CompletionStage<Done> closeAsync();

    @Override
    default void close() {
        closeAsync().toCompletableFuture().join();
    }
}
