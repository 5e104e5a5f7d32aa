package io.skein.transport;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The transport's limits and tuning, read from {@code skein.transport} and {@code skein.client}
 * (defaults and their meaning are in this module's {@code reference.conf}).
 *
 * @param maxFrameSize                  largest frame accepted or sent, in bytes
 * @param streamWindow                  credits granted per stream
 * @param maxConcurrentCallsPerConnection calls in flight above which a server stops reading
 * @param connectTimeout                client connect timeout
 * @param ioThreads                     Netty I/O threads (0: number of cores)
 * @param preferNative                  use epoll when available
 * @param writeBufferLowWaterMark       writability low water mark
 * @param writeBufferHighWaterMark      writability high water mark
 * @param handshakeTimeout              time a new connection has to send its first bytes
 * @param connectionsPerEndpoint        client connections per endpoint
 * @param grpc                          gRPC over HTTP/2 limits ({@code skein.grpc})
 * @param queues                        bounds of a server's queues ({@code skein.transport.server-queues})
 */
public record TransportSettings(int maxFrameSize, int streamWindow, int maxConcurrentCallsPerConnection,
                                Duration connectTimeout, int ioThreads, boolean preferNative,
                                int writeBufferLowWaterMark, int writeBufferHighWaterMark,
                                Duration handshakeTimeout, int connectionsPerEndpoint, Grpc grpc,
                                ServerQueues queues) {

    /**
     * Bounds of the queues inside a server, from {@code skein.transport.server-queues}. A new call that
     * would exceed one is refused with {@code RESOURCE_EXHAUSTED} before its request is decoded.
     *
     * @param maxQueuedCallsPerService    calls admitted to a service and not yet started by it (waiting in
     *                                    its actor's mailbox), per service
     * @param maxWriteQueuePerConnection  bytes of answers a connection has not yet written to its socket;
     *                                    above it the connection is not read until they drain
     * @param maxEventLoopBacklog         tasks waiting on the event loop that serves the connection
     */
    public record ServerQueues(int maxQueuedCallsPerService, long maxWriteQueuePerConnection,
                               int maxEventLoopBacklog) {
        public ServerQueues {
            if (maxQueuedCallsPerService < 1 || maxWriteQueuePerConnection < 1 || maxEventLoopBacklog < 1) {
                throw new IllegalArgumentException("skein.transport.server-queues bounds must be at least 1");
            }
        }

        /** Reads a {@code server-queues} block. */
        public static ServerQueues fromConfig(Config c) {
            return new ServerQueues(c.getInt("max-queued-calls-per-service"),
                    c.getBytes("max-write-queue-per-connection"), c.getInt("max-event-loop-backlog"));
        }
    }

    /**
     * gRPC over HTTP/2 limits, from {@code skein.grpc}.
     *
     * @param maxMessageSize       largest message accepted or sent; a bigger one ends the call with RESOURCE_EXHAUSTED
     * @param maxConcurrentStreams HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS the server announces
     * @param initialWindowSize    HTTP/2 stream flow-control window, opened only as the consumer takes messages
     * @param maxHeaderListSize    largest header block accepted
     * @param deadlineResetSlack   how close to a call's deadline a RST_STREAM counts as that deadline
     *                             rather than a cancel (HTTP/2 resets carry no reason)
     * @param closeDrainTimeout    how long a closing server connection, its output shut down after the
     *                             GOAWAY, reads and discards what the client still sends before it closes
     * @param closedStreamHistory  client streams per connection whose fate (ended, reset, never opened) the
     *                             server remembers, to tell a connection error from a stream error
     * @param connectionWindowSize HTTP/2 connection flow-control window, both ways: what all of a
     *                             connection's streams together may have unread; larger than one stream's
     *                             window so one stalled stream cannot stall the others
     */
    public record Grpc(int maxMessageSize, int maxConcurrentStreams, int initialWindowSize, int maxHeaderListSize,
                       Duration deadlineResetSlack, Duration closeDrainTimeout, int closedStreamHistory,
                       int connectionWindowSize) {
        public Grpc {
            if (connectionWindowSize < 65_535) {
                throw new IllegalArgumentException("skein.grpc.connection-window-size must be at least 64 KiB - 1");
            }
            requireNonNull(deadlineResetSlack, "deadlineResetSlack");
            requireNonNull(closeDrainTimeout, "closeDrainTimeout");
            if (maxConcurrentStreams < 1) {
                throw new IllegalArgumentException("skein.grpc.max-concurrent-streams must be at least 1");
            }
            if (closeDrainTimeout.isNegative()) {
                throw new IllegalArgumentException("skein.grpc.close-drain-timeout must not be negative");
            }
            if (closedStreamHistory < 0) {
                throw new IllegalArgumentException("skein.grpc.closed-stream-history must not be negative");
            }
        }
    }

    /** Bytes of a native frame that are not the message: headers and info sections fit in this. */
    public static final int FRAME_OVERHEAD = 1024;

    /** Largest serialized message the native protocol carries: the frame limit less its overhead. */
    public int maxMessageSize() {
        return maxFrameSize - FRAME_OVERHEAD;
    }

    public TransportSettings {
        if (maxFrameSize < 1024) {
            throw new IllegalArgumentException("skein.transport.max-frame-size must be at least 1 KiB");
        }
        if (streamWindow < 1) {
            throw new IllegalArgumentException("skein.transport.stream-window must be at least 1");
        }
        if (connectionsPerEndpoint < 1) {
            throw new IllegalArgumentException("skein.client.connections-per-endpoint must be at least 1");
        }
        requireNonNull(connectTimeout, "connectTimeout");
        requireNonNull(handshakeTimeout, "handshakeTimeout");
        requireNonNull(grpc, "grpc");
        requireNonNull(queues, "queues");
        if (queues.maxWriteQueuePerConnection() < writeBufferHighWaterMark) {
            throw new IllegalArgumentException("skein.transport.server-queues.max-write-queue-per-connection must be"
                    + " at least write-buffer-high-water-mark: a connection paused for it resumes when the channel"
                    + " turns writable again");
        }
    }

    /** Reads the settings from a config that includes this module's {@code reference.conf}. */
    public static TransportSettings fromConfig(Config config) {
        requireNonNull(config, "config");
        Config t = config.getConfig("skein.transport");
        Config c = config.getConfig("skein.client");
        return new TransportSettings(
                (int) Math.min(Integer.MAX_VALUE, t.getBytes("max-frame-size")),
                t.getInt("stream-window"),
                t.getInt("max-concurrent-calls-per-connection"),
                t.getDuration("connect-timeout"),
                t.getInt("io-threads"),
                t.getBoolean("prefer-native"),
                (int) (long) t.getBytes("write-buffer-low-water-mark"),
                (int) (long) t.getBytes("write-buffer-high-water-mark"),
                t.getDuration("handshake-timeout"),
                c.getInt("connections-per-endpoint"),
                new Grpc((int) Math.min(Integer.MAX_VALUE, config.getBytes("skein.grpc.max-message-size")),
                        config.getInt("skein.grpc.max-concurrent-streams"),
                        (int) (long) config.getBytes("skein.grpc.initial-window-size"),
                        (int) (long) config.getBytes("skein.grpc.max-header-list-size"),
                        config.getDuration("skein.grpc.deadline-reset-slack"),
                        config.getDuration("skein.grpc.close-drain-timeout"),
                        config.getInt("skein.grpc.closed-stream-history"),
                        (int) Math.min(Integer.MAX_VALUE, config.getBytes("skein.grpc.connection-window-size"))),
                ServerQueues.fromConfig(t.getConfig("server-queues")));
    }

    /** A copy with another stream window. */
    public TransportSettings withStreamWindow(int window) {
        return new TransportSettings(maxFrameSize, window, maxConcurrentCallsPerConnection, connectTimeout, ioThreads,
                preferNative, writeBufferLowWaterMark, writeBufferHighWaterMark, handshakeTimeout,
                connectionsPerEndpoint, grpc, queues);
    }
}
