package io.skein.actors;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Status;
import io.skein.transport.CallContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A unary call: one request, one response.
 *
 * @param <Req>  request type
 * @param <Resp> response type
 */
public final class UnaryCall<Req, Resp> implements ServiceCall<Req, Resp> {

    private final Req request;
    private final CallContext context;
    private final CompletableFuture<Resp> answer;

    /** For the runtime and tests; services receive calls, they do not make them. */
    public UnaryCall(Req request, CallContext context, CompletableFuture<Resp> answer) {
        this.request = requireNonNull(request, "request");
        this.context = requireNonNull(context, "context");
        this.answer = requireNonNull(answer, "answer");
    }

    public Req request() {
        return request;
    }

    @Override
    public CallContext context() {
        return context;
    }

    /** Answers with {@code response}. */
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
