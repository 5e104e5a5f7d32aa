package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.skein.transport.internal.ClientCalls;
import io.skein.transport.internal.EndpointPool;
import io.skein.transport.internal.NettyResources;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * A client of one endpoint over the native protocol, with a small pool of multiplexed connections
 * ({@code skein.client.connections-per-endpoint}) opened on first use and replaced when lost.
 */
public final class SkeinChannel implements ClientChannel {

    private final EndpointPool pool;
    private final NettyResources resources;

    private SkeinChannel(NettyResources resources, InetSocketAddress address) {
        this.resources = resources;
        this.pool = new EndpointPool(resources, address);
    }

    /** A channel to {@code address}; connects lazily. */
    public static SkeinChannel create(ActorSystem<?> system, InetSocketAddress address) {
        requireNonNull(system, "system");
        requireNonNull(address, "address");
        return new SkeinChannel(NettyResources.get(system), address);
    }

    /** A channel to {@code host:port}; connects lazily. */
    public static SkeinChannel create(ActorSystem<?> system, String host, int port) {
        return create(system, new InetSocketAddress(requireNonNull(host, "host"), port));
    }

    public InetSocketAddress address() {
        return pool.address();
    }

    @Override
    public <Req, Resp> CompletionStage<Resp> unary(MethodDescriptor<Req, Resp> method, Req request,
                                                   CallOptions options) {
        requireNonNull(method, "method");
        requireNonNull(request, "request");
        requireNonNull(options, "options");
        return ClientCalls.unary(pool, resources, method, request, options);
    }

    @Override
    public <Req, Resp> Flow<Req, Resp, NotUsed> stream(MethodDescriptor<Req, Resp> method, CallOptions options) {
        requireNonNull(method, "method");
        requireNonNull(options, "options");
        return ClientCalls.stream(pool, method, options);
    }

    @Override
    public CompletionStage<Done> closeAsync() {
        return pool.close();
    }

    @Override
    public String toString() {
        return "SkeinChannel(" + pool.address() + ')';
    }
}
