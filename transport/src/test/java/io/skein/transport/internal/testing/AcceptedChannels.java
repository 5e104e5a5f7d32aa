package io.skein.transport.internal.testing;

import io.netty.channel.Channel;
import io.skein.transport.CallAdmission;
import io.skein.transport.MethodRegistry;
import io.skein.transport.internal.NettyResources;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.call.ServerDispatcher;
import io.skein.transport.internal.call.ServerQueues;
import io.skein.transport.internal.connection.ServerChannels;
import io.skein.transport.internal.connection.ServerProtocol;
import io.skein.transport.internal.grpc.GrpcServerProtocol;
import io.skein.transport.internal.nativeproto.NativeServerProtocol;
import java.util.List;
import java.util.function.Consumer;

/** Accepted-connection pipelines as an {@link io.skein.transport.RpcServer} builds them, for tests that drive one channel. */
public final class AcceptedChannels {

    private AcceptedChannels() {
    }

    /** The protocols a server port speaks. */
    public static List<ServerProtocol> protocols(NettyResources resources) {
        return List.of(new NativeServerProtocol(resources.settings()), new GrpcServerProtocol(resources.settings()));
    }

    /** Sets {@code channel} up as an accepted connection serving {@code registry}, every call admitted. */
    public static void init(Channel channel, MethodRegistry registry, NettyResources resources,
                            Consumer<Connection> onOpen) {
        init(channel, registry, resources, CallAdmission.unlimited(), onOpen);
    }

    /** Like {@link #init(Channel, MethodRegistry, NettyResources, Consumer)} with {@code admission}. */
    public static void init(Channel channel, MethodRegistry registry, NettyResources resources,
                            CallAdmission admission, Consumer<Connection> onOpen) {
        ServerChannels.initAccepted(channel, protocols(resources),
                new ServerDispatcher(registry, admission,
                        new ServerQueues(registry, resources.settings().queues()), resources.materializer()),
                resources.settings().handshakeTimeout(), () -> false, onOpen);
    }
}
