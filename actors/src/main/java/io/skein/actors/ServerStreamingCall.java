package io.skein.actors;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Status;
import io.skein.transport.CallContext;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A server-streaming call: one request, a stream of responses. The response source is pulled only as
 * fast as the client consumes (credits), and cancelled when the client cancels or the deadline passes.
 *
 * @param <Req>  request type
 * @param <Resp> response type
 */
public final class ServerStreamingCall<Req, Resp> implements ServiceCall<Req, Resp> {

    private final Req request;
    private final CallContext context;
    private final CompletableFuture<Source<Resp, ?>> responses;

    /** For the runtime and tests. */
    public ServerStreamingCall(Req request, CallContext context, CompletableFuture<Source<Resp, ?>> responses) {
        this.request = requireNonNull(request, "request");
        this.context = requireNonNull(context, "context");
        this.responses = requireNonNull(responses, "responses");
    }

    public Req request() {
        return request;
    }

    @Override
    public CallContext context() {
        return context;
    }

    /** Answers with a stream; its completion ends the call with OK, its failure with the failure's status. */
    public void respond(Source<Resp, ?> stream) {
        responses.complete(requireNonNull(stream, "stream"));
    }

    @Override
    public void fail(Status status) {
        responses.completeExceptionally(status.asException());
    }
}
