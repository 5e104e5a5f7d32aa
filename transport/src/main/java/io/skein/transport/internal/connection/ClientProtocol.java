package io.skein.transport.internal.connection;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import io.skein.protocols.CallKind;
import io.skein.protocols.Status;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.ClientTransport;
import java.net.SocketAddress;
import org.apache.pekko.annotation.InternalApi;

/**
 * A wire protocol a client channel speaks to its endpoint: how a new connection is set up, and what
 * the protocol can carry. Each protocol (native Skein, Kitex-compatible native, gRPC) implements it in
 * its own package; the pool and the channel are written against this interface only.
 */
@InternalApi
public interface ClientProtocol {

    /** A short name for logs and targets ("skein", "kitex", "grpc"). */
    String name();

    /**
     * Installs the protocol's handlers on a new, not yet connected {@code channel} and returns the
     * transport that opens calls on it. {@code onGoAway} runs (on the I/O thread) when the peer says it
     * takes no new calls on this connection.
     */
    ClientTransport install(Channel channel, TransportSettings settings, Runnable onGoAway);

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
