package io.skein.runtime;

import io.skein.actors.client.Targets;
import io.skein.governance.discovery.Instance;
import io.skein.shm.ShmChannels;
import io.skein.transport.ClientChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The {@code shm://PATH} target (Skein over shared memory, module shm-transport), and how a
 * {@code cluster://} caller reaches an instance on its own host over shared memory: an instance that
 * serves there publishes the tags {@link #PATH_TAG} (its socket) and {@link #HOST_TAG} (the host it
 * runs on); a caller whose host is the same and sees the socket opens {@code shm://}, any other caller
 * the instance's TCP target.
 */
public final class ShmTargets {

    /** Registry tag: the instance's shared-memory socket path. */
    public static final String PATH_TAG = "shm-path";
    /** Registry tag: the host the instance runs on (see {@link #hostId()}). */
    public static final String HOST_TAG = "shm-host";

    private static final String HOST_ID = computeHostId();

    private ShmTargets() {
    }

    /** Registers {@code shm://} with {@link Targets}; idempotent. */
    public static void install() {
        Targets.register(ShmChannels.SCHEME, (system, uri) -> ShmChannels.create(system, uri));
    }

    /** What identifies this host: {@code /etc/machine-id} when there is one, else the host name. */
    public static String hostId() {
        return HOST_ID;
    }

    /**
     * Opens an instance's channel: shared memory when it is on this host and serves there, with
     * {@code protocol} behind it for calls shared memory refuses (see {@link ShmPreferringChannel};
     * {@code skein.cluster.client.shm-retry-after}); else {@code protocol} alone.
     */
    public static Function<Instance, ClientChannel> opener(ActorSystem<?> system, String protocol) {
        java.time.Duration retryAfter = system.settings().config().getDuration("skein.cluster.client.shm-retry-after");
        return instance -> {
            String path = instance.tags().get(PATH_TAG);
            if (path != null && HOST_ID.equals(instance.tags().get(HOST_TAG)) && Files.exists(Path.of(path))) {
                return new ShmPreferringChannel(instance.nodeId(), ShmChannels.create(system, Path.of(path)),
                        () -> Targets.open(system, instance.target(protocol)), retryAfter);
            }
            return Targets.open(system, instance.target(protocol));
        };
    }

    private static String computeHostId() {
        try {
            Path machineId = Path.of("/etc/machine-id");
            if (Files.isReadable(machineId)) {
                String id = Files.readString(machineId).trim();
                if (!id.isEmpty()) {
                    return id;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the host name
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
