package io.skein.transport;

import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * Where client calls go: one endpoint, or (in higher modules) a balancer over many. Typed stubs are
 * built on this; every protocol's client implements it.
 */
public interface ClientChannel extends AutoCloseable {

    /**
     * Starts a unary call. The stage fails with a {@link io.skein.protocols.StatusException}; cancelling
     * the returned future ({@code toCompletableFuture().cancel(true)}) cancels the call on the server.
     */
    <Req, Resp> CompletionStage<Resp> unary(MethodDescriptor<Req, Resp> method, Req request, CallOptions options);

    /**
     * A streaming call of any kind, as a flow from requests to responses. Each materialization is one
     * call. Cancelling downstream cancels the call; the flow fails with a
     * {@link io.skein.protocols.StatusException} when the call ends in error.
     */
    <Req, Resp> Flow<Req, Resp, NotUsed> stream(MethodDescriptor<Req, Resp> method, CallOptions options);

    /** Closes every connection; calls in flight end with UNAVAILABLE. */
    CompletionStage<Done> closeAsync();

    @Override
    default void close() {
        closeAsync().toCompletableFuture().join();
    }
}
