package io.skein.actors;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Status;
import io.skein.transport.CallContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A client-streaming call: a stream of requests, one response. The request source can be run once;
 * the client sends only as fast as it is consumed.
 *
 * @param <Req>  request type
 * @param <Resp> response type
 */
public final class ClientStreamingCall<Req, Resp> implements ServiceCall<Req, Resp> {

    private final Source<Req, NotUsed> requests;
    private final CallContext context;
    private final CompletableFuture<Resp> answer;

    /** For the runtime and tests. */
    public ClientStreamingCall(Source<Req, NotUsed> requests, CallContext context, CompletableFuture<Resp> answer) {
        this.requests = requireNonNull(requests, "requests");
        this.context = requireNonNull(context, "context");
        this.answer = requireNonNull(answer, "answer");
    }

    /** The client's requests; run it once. */
    public Source<Req, NotUsed> requests() {
        return requests;
    }

    @Override
    public CallContext context() {
        return context;
    }

    public void reply(Resp response) {
        answer.complete(requireNonNull(response, "response"));
    }

    /** Answers with what {@code response} completes with (or its failure). */
    public void reply(CompletionStage<? extends Resp> response) {
        Answer.completeWith(answer, requireNonNull(response, "response"));
    }

    @Override
    public void fail(Status status) {
        answer.completeExceptionally(status.asException());
    }
}
