package io.skein.transport.internal.connection;

import io.netty.channel.Channel;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.call.ServerDispatcher;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** Sets up the pipeline of an accepted connection: protocol detection first, then the protocol's handlers. */
public final class ServerChannels {

    private ServerChannels() {
    }

    /**
     * Initializes an accepted channel: once its first bytes select one of {@code protocols}, the
     * protocol's handlers dispatch its calls to {@code dispatcher} and {@code onOpen} gets the
     * connection. A connection whose protocol becomes known while {@code shuttingDown} holds is drained
     * at once (GOAWAY, its calls get UNAVAILABLE, closed when idle), before its first call is dispatched.
     */
    public static void initAccepted(Channel channel, List<ServerProtocol> protocols, ServerDispatcher dispatcher,
                                    Duration handshakeTimeout, BooleanSupplier shuttingDown,
                                    Consumer<Connection> onOpen) {
        // Fix (tests: ConnectionLifecycleTest): a connection accepted before shutdown but silent until
        // after it began was never drained, so it served calls after the server's shutdown completed.
        Consumer<Connection> opened = connection -> {
            String protocol = connection.protocol();
            dispatcher.observer().connectionOpened(protocol, true);
            connection.channel().closeFuture().addListener(f -> dispatcher.observer().connectionClosed(protocol, true));
            if (shuttingDown.getAsBoolean()) {
                connection.sendGoAway("server shutting down");
                connection.drain(() -> connection.channel().close());
            }
            onOpen.accept(connection);
        };
        channel.pipeline().addLast("detector", new ProtocolDetector(protocols, dispatcher, opened,
                handshakeTimeout.toMillis()));
    }

    /** Closes {@code channel} if it has not yet sent the bytes that select its protocol (no calls on it yet). */
    public static void closeIfUndetected(Channel channel) {
        channel.eventLoop().execute(() -> {
            if (channel.pipeline().get(ProtocolDetector.class) != null) {
                channel.close();
            }
        });
    }
}
