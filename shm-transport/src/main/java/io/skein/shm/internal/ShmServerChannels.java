package io.skein.shm.internal;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.skein.shm.ShmSettings;
import io.skein.shm.ShmStats;
import io.skein.shm.ipc.ServerMemory;
import io.skein.shm.ipc.ShmipcSession;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.NettyResources;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.call.ServerDispatcher;
import io.skein.transport.internal.nativeproto.NativeServerProtocol;
import java.util.function.Consumer;
import org.apache.pekko.annotation.InternalApi;

/**
 * Sets up an accepted shared-memory connection: the Shmipc session (handshake, queues, wake-ups),
 * the frame reader and writer over it, and the native protocol's server handler on top, which hands
 * each call's head to the one {@link ServerDispatcher}.
 */
@InternalApi
public final class ShmServerChannels {

    private ShmServerChannels() {
    }

    /** The event loops shared-memory channels run on (native epoll). */
    public static EventLoopGroup eventLoops(NettyResources resources) {
        return ShmClientProtocol.eventLoops(resources);
    }

    public static void init(Channel ch, ShmSettings settings, TransportSettings transport, ServerMemory memory,
                            ServerDispatcher dispatcher, ShmStats stats, Consumer<Connection> onOpen) {
        ShmAllocator allocator = new ShmAllocator(ch.alloc(), settings.headerRoom());
        ch.config().setAllocator(allocator);
        ShmFrameReader reader = new ShmFrameReader(transport.maxFrameSize());
        ShmipcSession session = ShmipcSession.installServer(ch.pipeline(), settings.session(), memory, reader);
        allocator.session(session);
        ShmFrameWriter writer = new ShmFrameWriter(session, stats);
        ch.pipeline().addLast("shm-writer", writer);
        NativeServerProtocol.installFrameHandler(ch.pipeline(), transport, dispatcher, connection -> {
            writer.connection(connection);
            onOpen.accept(connection);
        });
    }
}
