package io.skein.shm;

import static java.util.Objects.requireNonNull;

import io.netty.channel.unix.DomainSocketAddress;
import io.skein.shm.internal.ShmClientProtocol;
import io.skein.transport.EndpointChannel;
import io.skein.transport.internal.NettyResources;
import java.net.URI;
import java.nio.file.Path;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Client channels over shared memory: {@code shm://PATH}, where PATH is a {@link ShmServer}'s (or any
 * Shmipc server's speaking Skein's native frames) Unix socket. The channel is an ordinary
 * {@link EndpointChannel}: its pool keeps {@code skein.client.connections-per-endpoint} sessions, and
 * the unary call, the stream stage and any governance above work unchanged.
 */
public final class ShmChannels {

    /** The target scheme. */
    public static final String SCHEME = "shm";

    private ShmChannels() {
    }

    /** A channel to the shared-memory server listening on {@code socket}; connects lazily. */
    public static EndpointChannel create(ActorSystem<?> system, Path socket) {
        requireNonNull(system, "system");
        NettyResources resources = NettyResources.get(system);
        ShmSettings settings = ShmSettings.fromConfig(system.settings().config(), resources.settings());
        return EndpointChannel.of(system, new DomainSocketAddress(socket.toAbsolutePath().toFile()),
                new ShmClientProtocol(settings));
    }

    /** A channel for {@code shm:///abs/path} or {@code shm://relative/path} (the path of the server's socket). */
    public static EndpointChannel create(ActorSystem<?> system, URI target) {
        return create(system, path(target));
    }

    /** The socket path of an {@code shm://} URI. */
    public static Path path(URI target) {
        if (!SCHEME.equals(target.getScheme())) {
            throw new IllegalArgumentException("not an shm:// target: " + target);
        }
        String s = target.getSchemeSpecificPart();
        if (s.startsWith("//")) {
            s = s.substring(2);
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("shm:// target has no socket path: " + target);
        }
        return Path.of(s);
    }
}
