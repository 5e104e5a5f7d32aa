package io.skein.transport.internal;

import io.netty.channel.Channel;
import io.skein.transport.CallAdmission;
import io.skein.transport.MethodRegistry;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** Sets up the pipeline of an accepted connection: protocol detection first, then the protocol's handlers. */
public final class ServerChannels {

    private ServerChannels() {
    }

    /** Initializes an accepted channel; {@code onOpen} gets the connection once its protocol is known. */
    public static void initAccepted(Channel channel, MethodRegistry registry, NettyResources resources,
                                    Consumer<Connection> onOpen) {
        initAccepted(channel, registry, resources, () -> false, onOpen);
    }

    /**
     * Like {@link #initAccepted(Channel, MethodRegistry, NettyResources, Consumer)}; a connection whose
     * protocol becomes known while {@code shuttingDown} holds is drained at once (GOAWAY, its calls get
     * UNAVAILABLE, closed when idle), before its first frame is dispatched.
     */
    public static void initAccepted(Channel channel, MethodRegistry registry, NettyResources resources,
                                    BooleanSupplier shuttingDown, Consumer<Connection> onOpen) {
        initAccepted(channel, registry, resources, shuttingDown, CallAdmission.unlimited(), onOpen);
    }

    /**
     * Like {@link #initAccepted(Channel, MethodRegistry, NettyResources, BooleanSupplier, Consumer)};
     * every call is offered to {@code admission} before its request is decoded.
     */
    public static void initAccepted(Channel channel, MethodRegistry registry, NettyResources resources,
                                    BooleanSupplier shuttingDown, CallAdmission admission,
                                    Consumer<Connection> onOpen) {
        // Fix (tests: ConnectionLifecycleTest): a connection accepted before shutdown but silent until
        // after it began was never drained, so it served calls after SkeinServer.shutdown completed.
        Consumer<Connection> opened = connection -> {
            if (shuttingDown.getAsBoolean()) {
                connection.sendGoAway("server shutting down");
                connection.drain(() -> connection.channel().close());
            }
            onOpen.accept(connection);
        };
        channel.pipeline().addLast("detector", new ProtocolDetector(ctx -> {
            NativePipeline.addCodec(ctx.pipeline(), ctx.name(), resources.settings());
            ctx.pipeline().addLast("skein-server", new ServerConnectionHandler(registry, resources, admission, opened));
        }, ctx -> GrpcServerPipeline.install(ctx, registry, resources, admission, opened),
                resources.settings().handshakeTimeout().toMillis()));
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
