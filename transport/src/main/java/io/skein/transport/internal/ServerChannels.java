package io.skein.transport.internal;

import io.netty.channel.Channel;
import io.skein.transport.MethodRegistry;
import java.util.function.Consumer;

/** Sets up the pipeline of an accepted connection: protocol detection first, then the protocol's handlers. */
public final class ServerChannels {

    private ServerChannels() {
    }

    /** Initializes an accepted channel; {@code onOpen} gets the connection once its protocol is known. */
    public static void initAccepted(Channel channel, MethodRegistry registry, NettyResources resources,
                                    Consumer<Connection> onOpen) {
        channel.pipeline().addLast("detector", new ProtocolDetector(ctx -> {
            NativePipeline.addCodec(ctx.pipeline(), ctx.name(), resources.settings());
            ctx.pipeline().addLast("skein-server", new ServerConnectionHandler(registry, resources, onOpen));
        }, resources.settings().handshakeTimeout().toMillis()));
    }
}
