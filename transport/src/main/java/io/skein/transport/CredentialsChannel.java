package io.skein.transport;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * A channel that adds credentials to each call made through it ({@link ClientChannel#withCredentials}).
 * A call already carrying the same key keeps the channel's value only if it set none itself: per-call
 * credentials win. Immutable.
 */
final class CredentialsChannel implements ClientChannel {

    private final ClientChannel delegate;
    private final CallCredentials credentials;

    CredentialsChannel(ClientChannel delegate, CallCredentials credentials) {
        this.delegate = requireNonNull(delegate, "delegate");
        this.credentials = requireNonNull(credentials, "credentials");
    }

    private CallOptions withCredentials(CallOptions options) {
        // Per-call credentials of the same key win over the channel's.
        return options.metadata().get(credentials.key()) != null ? options : options.withCredentials(credentials);
    }

    @Override
    public <Req, Resp> CallFuture<Resp> unary(MethodDescriptor<Req, Resp> method, Req request, CallOptions options) {
        return delegate.unary(method, request, withCredentials(options));
    }

    @Override
    public <Req, Resp> CompletionStage<Resp> unary(MethodDescriptor<Req, Resp> method, Req request,
                                                   ClientCallContext context) {
        return delegate.unary(method, request, context);
    }

    @Override
    public <Req, Resp> Flow<Req, Resp, NotUsed> stream(MethodDescriptor<Req, Resp> method, CallOptions options) {
        return delegate.stream(method, withCredentials(options));
    }

    @Override
    public CompletionStage<Done> closeAsync() {
        return delegate.closeAsync();
    }

    @Override
    public String toString() {
        return delegate + " with " + credentials;
    }
}
