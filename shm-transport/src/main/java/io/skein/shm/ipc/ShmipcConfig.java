package io.skein.shm.ipc;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * How a Shmipc session is set up (the {@code skein.shm} keys of {@code reference.conf} document each).
 *
 * @param pathPrefix        prefix of the files a client creates ({@code _<pid>_<n>_queue} / {@code _buffer} follow)
 * @param queueCapacity     elements per IO queue (shmipc-go: 8192)
 * @param bufferCapacity    bytes of the buffer region a client creates (shmipc-go: 32 MiB)
 * @param sliceClasses      how the buffer region is divided into slices
 * @param protocolVersion   what a client offers: 3 (version exchange, then /dev/shm paths, then an
 *                          acknowledgement, after which the files are unlinked) or 2 (paths only, as a
 *                          shmipc-go client with MemMapTypeDevShmFile does)
 * @param handshakeTimeout  how long the handshake may take before the session is closed
 * @param maxEventSize      largest control event accepted (fallback data included)
 * @param maxMappingSize    largest file a server maps for a peer
 * @param unhealthyPeriod   how long a session stays marked unhealthy after it fell back to the socket
 * @param pollWindow        how long a session on a {@link PollingIoHandler}'s loop is polled after its last
 *                          data, its working flag held so that the peer sends no wake-up (zero: never polled)
 */
public record ShmipcConfig(String pathPrefix, int queueCapacity, int bufferCapacity, List<BufferManager.SliceClass> sliceClasses,
                           int protocolVersion, Duration handshakeTimeout, int maxEventSize, int maxMappingSize,
                           Duration unhealthyPeriod, Duration pollWindow) {

    public ShmipcConfig {
        requireNonNull(pathPrefix, "pathPrefix");
        sliceClasses = List.copyOf(sliceClasses);
        requireNonNull(handshakeTimeout, "handshakeTimeout");
        requireNonNull(unhealthyPeriod, "unhealthyPeriod");
        requireNonNull(pollWindow, "pollWindow");
        if (pollWindow.isNegative()) {
            throw new IllegalArgumentException("poll window must not be negative: " + pollWindow);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queue capacity must be at least 1: " + queueCapacity);
        }
        if (protocolVersion != 2 && protocolVersion != 3) {
            throw new IllegalArgumentException("protocol version must be 2 or 3: " + protocolVersion);
        }
        if (maxEventSize < ControlEvents.FALLBACK_HEADER) {
            throw new IllegalArgumentException("max event size too small: " + maxEventSize);
        }
    }

    /** {@code skein.shm.polling.window}'s default. */
    public static final Duration DEFAULT_POLL_WINDOW = Duration.ofMillis(1);

    /** shmipc-go's defaults, files under {@code /dev/shm/skein}. */
    public static ShmipcConfig defaults() {
        return new ShmipcConfig("/dev/shm/skein", 8192, 32 << 20, BufferManager.DEFAULT_CLASSES, 3,
                Duration.ofSeconds(5), (16 << 20) + 1024, 1 << 30, Duration.ofSeconds(30), DEFAULT_POLL_WINDOW);
    }

    public ShmipcConfig withBufferCapacity(int bytes) {
        return new ShmipcConfig(pathPrefix, queueCapacity, bytes, sliceClasses, protocolVersion, handshakeTimeout,
                maxEventSize, maxMappingSize, unhealthyPeriod, pollWindow);
    }

    public ShmipcConfig withQueueCapacity(int elements) {
        return new ShmipcConfig(pathPrefix, elements, bufferCapacity, sliceClasses, protocolVersion, handshakeTimeout,
                maxEventSize, maxMappingSize, unhealthyPeriod, pollWindow);
    }

    public ShmipcConfig withProtocolVersion(int version) {
        return new ShmipcConfig(pathPrefix, queueCapacity, bufferCapacity, sliceClasses, version, handshakeTimeout,
                maxEventSize, maxMappingSize, unhealthyPeriod, pollWindow);
    }

    public ShmipcConfig withPollWindow(Duration window) {
        return new ShmipcConfig(pathPrefix, queueCapacity, bufferCapacity, sliceClasses, protocolVersion, handshakeTimeout,
                maxEventSize, maxMappingSize, unhealthyPeriod, window);
    }

    public ShmipcConfig withPathPrefix(String prefix) {
        return new ShmipcConfig(prefix, queueCapacity, bufferCapacity, sliceClasses, protocolVersion, handshakeTimeout,
                maxEventSize, maxMappingSize, unhealthyPeriod, pollWindow);
    }
}
