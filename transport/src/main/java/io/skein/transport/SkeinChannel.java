package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.skein.transport.internal.ClientCalls;
import io.skein.transport.internal.EndpointPool;
import io.skein.transport.internal.GrpcClientCalls;
import io.skein.transport.internal.NettyResources;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * A client of one endpoint over the native protocol (TTHeader), with a small pool of multiplexed
 * connections ({@code skein.client.connections-per-endpoint}) opened on first use and replaced when
 * lost. {@link #create} talks to a Skein server, {@link #kitex} to a Kitex server, {@link #grpc} to
 * any gRPC server (and to a Skein server's gRPC side).
 */
public final class SkeinChannel implements ClientChannel {

    private final EndpointPool pool;
    private final NettyResources resources;

    private SkeinChannel(NettyResources resources, InetSocketAddress address, EndpointPool.WireProtocol protocol) {
        this.resources = resources;
        this.pool = new EndpointPool(resources, address, protocol);
    }

    /** A channel to the Skein server at {@code address}; connects lazily. */
    public static SkeinChannel create(ActorSystem<?> system, InetSocketAddress address) {
        requireNonNull(system, "system");
        requireNonNull(address, "address");
        return new SkeinChannel(NettyResources.get(system), address, EndpointPool.WireProtocol.SKEIN);
    }

    /**
     * A channel to a Kitex server speaking TTHeader + Kitex Protobuf ({@code kitex://host:port}):
     * unary calls only, and never a frame Kitex does not know (a cancelled or expired call is
     * abandoned locally; the server applies the deadline it received). Streaming calls fail with
     * {@code UNIMPLEMENTED}.
     */
    public static SkeinChannel kitex(ActorSystem<?> system, InetSocketAddress address) {
        requireNonNull(system, "system");
        requireNonNull(address, "address");
        return new SkeinChannel(NettyResources.get(system), address, EndpointPool.WireProtocol.KITEX);
    }

    /**
     * A channel to a gRPC server ({@code grpc://host:port}): gRPC over HTTP/2 in cleartext with prior
     * knowledge, every call kind, with HTTP/2 flow control opened only as responses are consumed.
     */
    public static SkeinChannel grpc(ActorSystem<?> system, InetSocketAddress address) {
        requireNonNull(system, "system");
        requireNonNull(address, "address");
        return new SkeinChannel(NettyResources.get(system), address, EndpointPool.WireProtocol.GRPC);
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
        return pool.protocol() == EndpointPool.WireProtocol.GRPC
                ? GrpcClientCalls.unary(pool, resources, method, request, options)
                : ClientCalls.unary(pool, resources, method, request, options);
    }

    @Override
    public <Req, Resp> Flow<Req, Resp, NotUsed> stream(MethodDescriptor<Req, Resp> method, CallOptions options) {
        requireNonNull(method, "method");
        requireNonNull(options, "options");
        return pool.protocol() == EndpointPool.WireProtocol.GRPC
                ? GrpcClientCalls.stream(pool, resources, method, options)
                : ClientCalls.stream(pool, method, options);
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
