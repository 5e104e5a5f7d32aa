package io.skein.transport.internal;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.skein.transport.TransportSettings;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One set of Netty event loops and one materializer per actor system, shared by every server and
 * client of that system and shut down with it.
 */
public final class NettyResources implements Extension {

    private static final Logger log = LoggerFactory.getLogger(NettyResources.class);

    private final TransportSettings settings;
    private final EventLoopGroup group;
    private final Class<? extends ServerChannel> serverChannelClass;
    private final Class<? extends Channel> channelClass;
    private final Materializer materializer;
    private final ActorSystem<?> system;

    private NettyResources(ActorSystem<?> system) {
        this.system = system;
        this.settings = TransportSettings.fromConfig(system.settings().config());
        boolean epoll = settings.preferNative() && Epoll.isAvailable();
        IoHandlerFactory ioFactory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        int threads = settings.ioThreads() > 0 ? settings.ioThreads() : Runtime.getRuntime().availableProcessors();
        this.group = new MultiThreadIoEventLoopGroup(threads,
                new DefaultThreadFactory("skein-io-" + system.name(), true), ioFactory);
        this.serverChannelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.channelClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        this.materializer = Materializer.matFromSystem(system);
        log.debug("Skein transport for {}: {} with {} I/O threads", system.name(), epoll ? "epoll" : "NIO", threads);
        system.getWhenTerminated().thenRun(() -> group.shutdownGracefully(0, 2, TimeUnit.SECONDS));
    }

    /** The resources of {@code system}, created on first use. */
    public static NettyResources get(ActorSystem<?> system) {
        return Id.INSTANCE.apply(system);
    }

    public TransportSettings settings() {
        return settings;
    }

    public EventLoopGroup group() {
        return group;
    }

    public Class<? extends ServerChannel> serverChannelClass() {
        return serverChannelClass;
    }

    public Class<? extends Channel> channelClass() {
        return channelClass;
    }

    public Materializer materializer() {
        return materializer;
    }

    public ActorSystem<?> system() {
        return system;
    }

    private static final class Id extends ExtensionId<NettyResources> {
        static final Id INSTANCE = new Id();

        @Override
        public NettyResources createExtension(ActorSystem<?> system) {
            return new NettyResources(system);
        }
    }
}
