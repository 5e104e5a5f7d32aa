package io.skein.actors;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Status;
import io.skein.transport.CallContext;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A bidirectional streaming call: the service gets the request stream and answers with a response
 * stream; both directions carry backpressure across the wire.
 *
 * @param <Req>  request type
 * @param <Resp> response type
 */
public final class BidiStreamingCall<Req, Resp> implements ServiceCall<Req, Resp> {

    private final Source<Req, NotUsed> requests;
    private final CallContext context;
    private final CompletableFuture<Source<Resp, ?>> responses;

    /** For the runtime and tests. */
    public BidiStreamingCall(Source<Req, NotUsed> requests, CallContext context,
                             CompletableFuture<Source<Resp, ?>> responses) {
        this.requests = requireNonNull(requests, "requests");
        this.context = requireNonNull(context, "context");
        this.responses = requireNonNull(responses, "responses");
    }

    /** The client's requests; run it once (typically as the input of the response stream). */
    public Source<Req, NotUsed> requests() {
        return requests;
    }

    @Override
    public CallContext context() {
        return context;
    }

    /** Answers with a response stream, usually {@code requests().via(...)}. */
    public void respond(Source<Resp, ?> stream) {
        responses.complete(requireNonNull(stream, "stream"));
    }

    @Override
    public void fail(Status status) {
        responses.completeExceptionally(status.asException());
    }
}
