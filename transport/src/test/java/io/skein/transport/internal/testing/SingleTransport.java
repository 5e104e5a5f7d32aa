package io.skein.transport.internal.testing;

import io.skein.transport.internal.call.ClientTransport;
import io.skein.transport.internal.call.TransportSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A {@link TransportSource} of one connection, always ready: a pool of one that never waits. */
public final class SingleTransport implements TransportSource {

    private final ClientTransport transport;

    public SingleTransport(ClientTransport transport) {
        this.transport = transport;
    }

    @Override
    public ClientTransport ready() {
        return transport;
    }

    @Override
    public CompletionStage<ClientTransport> acquire() {
        return CompletableFuture.completedFuture(transport);
    }
}
