package io.skein.transport.internal.connection;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.skein.protocols.CallKind;
import io.skein.protocols.Status;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.NettyResources;
import io.skein.transport.internal.call.ClientTransport;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.annotation.InternalApi;

/**
 * A wire protocol a client channel speaks to its endpoint: how a new connection is set up, and what
 * the protocol can carry. Each protocol (native Skein, Kitex-compatible native, gRPC) implements it in
 * its own package; the pool and the channel are written against this interface only.
 */
@InternalApi
public interface ClientProtocol {

    /** Where {@link #connect}'s TCP default keeps the transport it installed on a channel. */
    AttributeKey<ClientTransport> TRANSPORT = AttributeKey.valueOf(ClientProtocol.class, "transport");

    /** A short name for logs and targets ("skein", "kitex", "grpc"). */
    String name();

    /**
     * Installs the protocol's handlers on a new, not yet connected {@code channel} and returns the
     * transport that opens calls on it. {@code onGoAway} runs (on the I/O thread) when the peer says it
     * takes no new calls on this connection.
     */
    ClientTransport install(Channel channel, TransportSettings settings, Runnable onGoAway);

    /**
     * Opens one connection to {@code address} and completes with the transport that opens calls on it,
     * once it can carry calls (or fails with why it cannot). {@code onChanged} runs whenever the
     * connection may have stopped being usable (the peer's GOAWAY); the pool also watches the channel's
     * close. The default connects over TCP with the transport's socket options, {@link #install}s
     * this protocol's handlers and completes once {@link #ready} does (a TLS handshake); a transport
     * with its own way of connecting (a Unix socket and a handshake: shared memory) overrides it.
     */
    default CompletionStage<ClientTransport> connect(NettyResources resources, SocketAddress address,
                                                     Runnable onChanged) {
        TransportSettings settings = resources.settings();
        Bootstrap bootstrap = new Bootstrap()
                .group(resources.group())
                .channel(resources.channelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        settings.writeBufferLowWaterMark(), settings.writeBufferHighWaterMark()))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.attr(TRANSPORT).set(install(ch, settings, onChanged));
                    }
                });
        CompletableFuture<ClientTransport> result = new CompletableFuture<>();
        ChannelFuture future = bootstrap.connect(address);
        future.addListener(f -> {
            if (f.isSuccess()) {
                ready(future.channel()).addListener(r -> {
                    if (r.isSuccess()) {
                        result.complete(future.channel().attr(TRANSPORT).get());
                    } else {
                        future.channel().close();
                        result.completeExceptionally(r.cause());
                    }
                });
            } else {
                result.completeExceptionally(f.cause());
            }
        });
        return result;
    }

    /**
     * Completes once a connected {@code channel} can carry calls: at once by default, after its
     * handshake over TLS. A failure is a failed connect.
     */
    default Future<?> ready(Channel channel) {
        return channel.newSucceededFuture();
    }

    /** How a failed connect (or {@link #ready}) is told to callers, in one line. */
    default String describeConnectFailure(Throwable cause) {
        return cause.getMessage();
    }

    /** The largest serialized message this protocol carries with {@code settings}. */
    int maxMessageSize(TransportSettings settings);

    /**
     * Why calls of {@code method}, of {@code kind}, to {@code address} cannot be made over this
     * protocol, or {@code null} when they can (the default).
     */
    default Status unsupported(String method, CallKind kind, SocketAddress address) {
        return null;
    }
}
