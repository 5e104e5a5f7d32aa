package io.skein.governance.chain;

import static java.util.Objects.requireNonNull;

import io.skein.transport.CallOptions;
import io.skein.transport.ClientCallContext;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;

/** A channel that passes everything to a delegate; decorators override what they change. */
public abstract class ForwardingClientChannel implements ClientChannel {

    private final ClientChannel delegate;

    protected ForwardingClientChannel(ClientChannel delegate) {
        this.delegate = requireNonNull(delegate, "delegate");
    }

    /** The channel below this one. */
    protected ClientChannel delegate() {
        return delegate;
    }

    @Override
    public <Req, Resp> CompletionStage<Resp> unary(MethodDescriptor<Req, Resp> method, Req request,
                                                   ClientCallContext context) {
        return delegate.unary(method, request, context);
    }

    @Override
    public <Req, Resp> Flow<Req, Resp, NotUsed> stream(MethodDescriptor<Req, Resp> method, CallOptions options) {
        return delegate.stream(method, options);
    }

    /** The delegate's observer: a forwarding layer observes what the channel below it does. */
    @Override
    public io.skein.transport.observe.CallObserver observer() {
        return delegate.observer();
    }

    @Override
    public CompletionStage<Done> closeAsync() {
        return delegate.closeAsync();
    }
}
