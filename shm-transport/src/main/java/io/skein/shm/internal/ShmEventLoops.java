package io.skein.shm.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.skein.shm.ShmSettings;
import io.skein.shm.ipc.DomainSockets;
import io.skein.shm.ipc.PollingIoHandler;
import io.skein.transport.internal.NettyResources;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.annotation.InternalApi;

/**
 * The event loops every shared-memory session of an actor system runs on (servers' and clients'):
 * native epoll loops whose {@link PollingIoHandler} polls recently active sessions' queues
 * ({@code skein.shm.polling}), kept apart from {@code skein.transport}'s loops so that polling never
 * delays TCP connections. Created on first use and shut down with the actor system.
 */
@InternalApi
public final class ShmEventLoops implements Extension {

    private final EventLoopGroup group;
    private final ShmSettings settings;

    private ShmEventLoops(ActorSystem<?> system) {
        DomainSockets.ensureAvailable();
        NettyResources resources = NettyResources.get(system);
        this.settings = ShmSettings.fromConfig(system.settings().config(), resources.settings());
        int threads = settings.eventLoopThreads() > 0 ? settings.eventLoopThreads()
                : Runtime.getRuntime().availableProcessors();
        this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("skein-shm-" + system.name(), true),
                PollingIoHandler.factory(EpollIoHandler.newFactory(), settings.polling()));
        system.getWhenTerminated().thenRun(() -> group.shutdownGracefully(0, 2, TimeUnit.SECONDS));
    }

    /** The shared-memory event loops of {@code system}, created on first use. */
    public static ShmEventLoops get(ActorSystem<?> system) {
        return Id.INSTANCE.apply(system);
    }

    public EventLoopGroup group() {
        return group;
    }

    /** The {@code skein.shm} settings of the system. */
    public ShmSettings settings() {
        return settings;
    }

    private static final class Id extends ExtensionId<ShmEventLoops> {
        static final Id INSTANCE = new Id();

        @Override
        public ShmEventLoops createExtension(ActorSystem<?> system) {
            return new ShmEventLoops(system);
        }
    }
}
