package io.skein.actors.client;

import static java.util.Objects.requireNonNull;

import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import java.util.concurrent.CompletionStage;

/**
 * A typed handle on a unary method.
 *
 * @param <Req>  request type
 * @param <Resp> response type
 */
public final class UnaryMethod<Req, Resp> {

    private final ClientChannel channel;
    private final MethodDescriptor<Req, Resp> method;

    UnaryMethod(ClientChannel channel, MethodDescriptor<Req, Resp> method) {
        this.channel = channel;
        this.method = method;
    }

    public MethodDescriptor<Req, Resp> descriptor() {
        return method;
    }

    /** Calls with default options. */
    public CompletionStage<Resp> call(Req request) {
        return call(request, CallOptions.DEFAULT);
    }

    /**
     * Calls with {@code options}. Fails with a {@link io.skein.protocols.StatusException}; cancelling the
     * future cancels the call on the server.
     */
    public CompletionStage<Resp> call(Req request, CallOptions options) {
        return channel.unary(method, requireNonNull(request, "request"), requireNonNull(options, "options"));
    }
}
