package io.skein.shm;

import com.typesafe.config.Config;
import io.skein.shm.ipc.BufferManager;
import io.skein.shm.ipc.ControlEvents;
import io.skein.shm.ipc.PollingIoHandler;
import io.skein.shm.ipc.ShmipcConfig;
import io.skein.transport.TransportSettings;
import java.util.List;

/**
 * The {@code skein.shm} settings ({@code reference.conf} of this module documents each key), and the
 * Shmipc session configuration they make together with the transport's frame limit.
 *
 * @param session          how sessions are set up (the poll window included)
 * @param headerRoom       bytes kept in front of a message serialized into a slice, for its frame header
 * @param polling          how a polling event loop waits between polls and when it backs off
 * @param eventLoopThreads event loops for shared-memory sessions (0: one per available processor)
 */
public record ShmSettings(ShmipcConfig session, int headerRoom, PollingIoHandler.Settings polling,
                          int eventLoopThreads) {

    public ShmSettings {
        if (eventLoopThreads < 0) {
            throw new IllegalArgumentException("skein.shm.polling.event-loop-threads must not be negative: "
                    + eventLoopThreads);
        }
    }

    /** Reads {@code skein.shm} from {@code config}; control events may carry a whole frame of {@code transport}'s size. */
    public static ShmSettings fromConfig(Config config, TransportSettings transport) {
        Config c = config.getConfig("skein.shm");
        List<BufferManager.SliceClass> classes = c.getConfigList("slice-classes").stream()
                .map(s -> new BufferManager.SliceClass(s.getInt("size"), s.getInt("percent"))).toList();
        long buffer = c.getBytes("buffer-capacity");
        long mapping = c.getBytes("max-mapping-size");
        if (buffer > Integer.MAX_VALUE || mapping > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("skein.shm.buffer-capacity and max-mapping-size must be below 2 GiB");
        }
        ShmipcConfig session = new ShmipcConfig(c.getString("path-prefix"), c.getInt("queue-capacity"), (int) buffer,
                classes, c.getInt("protocol-version"), c.getDuration("handshake-timeout"),
                transport.maxFrameSize() + ControlEvents.FALLBACK_HEADER, (int) mapping, c.getDuration("unhealthy-period"),
                c.getDuration("polling.window"));
        PollingIoHandler.Settings polling = new PollingIoHandler.Settings(c.getDuration("polling.busy-spin"),
                c.getDuration("polling.stall"), c.getInt("polling.stalled-percent"), c.getDuration("polling.back-off"));
        return new ShmSettings(session, c.getInt("header-room"), polling, c.getInt("polling.event-loop-threads"));
    }
}
