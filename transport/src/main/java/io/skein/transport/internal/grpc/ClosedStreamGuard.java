package io.skein.transport.internal.grpc;

import static io.netty.handler.codec.http2.Http2Error.PROTOCOL_ERROR;
import static io.netty.handler.codec.http2.Http2Error.STREAM_CLOSED;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.logging.LogLevel;

/**
 * What Netty's HTTP/2 server does not know about closed client streams, which it forgets once they
 * are closed, and the errors RFC 9113 section 5.1 asks for that follow from it:
 * <ul>
 * <li>HEADERS on a stream the client has ended with END_STREAM and the server still answers
 * (half-closed remote): a stream error STREAM_CLOSED, where Netty says PROTOCOL_ERROR ("too many
 * headers");</li>
 * <li>HEADERS or DATA on a stream the client had ended with END_STREAM (and that is closed now): a
 * connection error STREAM_CLOSED ("closed" state: frames after END_STREAM), where Netty resets the
 * stream;</li>
 * <li>HEADERS on a stream id the client skipped, lower than one it already opened: a connection error
 * PROTOCOL_ERROR (section 5.1.1), where Netty resets the stream;</li>
 * <li>a frame on a stream the server refused (beyond SETTINGS_MAX_CONCURRENT_STREAMS) or rejected
 * before opening it (a malformed header block): Netty never created the stream, so it took DATA (or
 * RST_STREAM, WINDOW_UPDATE) still in flight on it for a frame on an idle stream and failed the whole
 * connection with PROTOCOL_ERROR; such a stream now counts as closed ({@link #connection()}): DATA on
 * it is a stream error STREAM_CLOSED, the others are ignored;</li>
 * <li>a stream that was reset, or older than the last {@code history} streams: left to Netty (stream
 * error STREAM_CLOSED, what a frame after RST_STREAM deserves).</li>
 * </ul>
 *
 * <p>It sees every inbound frame before Netty's connection state machine does by being the codec's
 * {@link Http2FrameLogger} (Netty's only hook between its frame reader and its decoder); it also logs
 * frames as a frame logger, at TRACE under this class's logger name. Errors leave as the
 * {@link Http2Exception} Netty's own checks would throw (the logger's methods do not declare it, so it
 * is thrown unchecked): Netty's frame reader then goes on after a stream error and stops reading after
 * a connection error, and Netty's handler resets the stream or sends GOAWAY with the code and message.
 * Runs on the connection's event loop only.
 */
final class ClosedStreamGuard extends Http2FrameLogger {

    private static final byte OPEN = 0;
    private static final byte ENDED = 1;
    private static final byte RESET = 2;
    private static final byte UNKNOWN = -1;
    private static final byte NEVER_OPENED = -2;

    private final ServerConnection connection = new ServerConnection();
    private final Http2Connection.PropertyKey resetByClient = connection.newKey();
    // The last stream ids the client used in HEADERS, oldest first, in a ring; ids only grow.
    private final int[] ids;
    private final byte[] fates;
    private int start;
    private int size;
    // Every client stream id from here up to the newest in the ring is in the ring or was never used.
    private int horizon = 1;
    // The highest client stream id the server reset without ever opening it (refused, or rejected).
    private int highestUsed;

    /** @param history how many of the client's latest streams to remember (0: none) */
    ClosedStreamGuard(int history) {
        super(LogLevel.TRACE, ClosedStreamGuard.class);
        ids = new int[history];
        fates = new byte[history];
        connection.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamAdded(Http2Stream stream) {
                if (isClientStream(stream.id())) {
                    remember(stream.id(), OPEN);
                }
            }

            @Override
            public void onStreamClosed(Http2Stream stream) {
                if (isClientStream(stream.id())) {
                    closed(stream.id(), stream.isResetSent() || stream.getProperty(resetByClient) != null);
                }
            }
        });
    }

    /**
     * The server's HTTP/2 connection state, to build the codec on: Netty's, except that a client stream
     * id at or below one the server reset without opening it (refused, or its header block rejected)
     * "may have existed": the client used it, which closes it and all lower idle ids (RFC 9113 5.1.1).
     */
    Http2Connection connection() {
        return connection;
    }

    private final class ServerConnection extends DefaultHttp2Connection {
        ServerConnection() {
            super(true);
        }

        @Override
        public boolean streamMayHaveExisted(int streamId) {
            return super.streamMayHaveExisted(streamId) || isClientStream(streamId) && streamId <= highestUsed;
        }
    }

    @Override
    public void logHeaders(Direction direction, ChannelHandlerContext ctx, int streamId, Http2Headers headers,
                           int padding, boolean endStream) {
        if (direction == Direction.INBOUND) {
            onHeaders(streamId);
        }
        super.logHeaders(direction, ctx, streamId, headers, padding, endStream);
    }

    @Override
    public void logHeaders(Direction direction, ChannelHandlerContext ctx, int streamId, Http2Headers headers,
                           int streamDependency, short weight, boolean exclusive, int padding, boolean endStream) {
        if (direction == Direction.INBOUND) {
            onHeaders(streamId);
        }
        super.logHeaders(direction, ctx, streamId, headers, streamDependency, weight, exclusive, padding, endStream);
    }

    @Override
    public void logData(Direction direction, ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
                        boolean endStream) {
        if (direction == Direction.INBOUND) {
            if (isClosedClientStream(streamId) && fate(streamId) == ENDED) {
                throw unchecked(Http2Exception.connectionError(STREAM_CLOSED,
                        "DATA on stream %d, which the client had ended (END_STREAM)", streamId));
            }
        }
        super.logData(direction, ctx, streamId, data, padding, endStream);
    }

    @Override
    public void logRstStream(Direction direction, ChannelHandlerContext ctx, int streamId, long errorCode) {
        Http2Stream stream = connection.stream(streamId);
        if (direction == Direction.INBOUND && stream != null) {
            stream.setProperty(resetByClient, Boolean.TRUE);
        } else if (direction == Direction.OUTBOUND && stream == null && isClientStream(streamId)
                && streamId > usedUpTo()) {
            // A stream reset before it was ever opened: refused, or its header block rejected.
            remember(streamId, RESET);
            highestUsed = streamId;
        }
        super.logRstStream(direction, ctx, streamId, errorCode);
    }

    private void onHeaders(int streamId) {
        Http2Stream open = connection.stream(streamId);
        if (open != null && open.state() == Http2Stream.State.HALF_CLOSED_REMOTE && !open.isResetSent()) {
            throw unchecked(Http2Exception.streamError(streamId, STREAM_CLOSED,
                    "HEADERS on stream %d, which the client has ended (END_STREAM)", streamId));
        }
        if (isClosedClientStream(streamId)) {
            int fate = fate(streamId);
            if (fate == ENDED) {
                throw unchecked(Http2Exception.connectionError(STREAM_CLOSED,
                        "HEADERS on stream %d, which the client had ended (END_STREAM)", streamId));
            }
            if (fate == NEVER_OPENED) {
                throw unchecked(Http2Exception.connectionError(PROTOCOL_ERROR,
                        "HEADERS opening stream %d, lower than stream %d used before", streamId, usedUpTo()));
            }
        }
    }

    /** A client stream id at or below the last one used that is not open any more (nor ignored after GOAWAY). */
    private boolean isClosedClientStream(int streamId) {
        return isClientStream(streamId) && streamId <= usedUpTo() && connection.stream(streamId) == null
                && !(connection.goAwaySent() && streamId > connection.remote().lastStreamKnownByPeer());
    }

    private int usedUpTo() {
        return Math.max(highestUsed, connection.remote().lastStreamCreated());
    }

    private boolean isClientStream(int streamId) {
        return streamId > 0 && connection.remote().isValidStreamId(streamId);
    }

    /** Throws {@code e} from a method that does not declare it (the compiler's check only). */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException unchecked(Throwable e) throws E {
        throw (E) e;
    }

    // ---------------------------------------------------------------- the ring of recent streams

    private void remember(int streamId, byte fate) {
        if (ids.length == 0) {
            return;
        }
        if (size == ids.length) {
            horizon = ids[start] + 1;
            start = (start + 1) % ids.length;
            size--;
        }
        int i = (start + size) % ids.length;
        ids[i] = streamId;
        fates[i] = fate;
        size++;
    }

    private int newest() {
        return ids[(start + size - 1) % ids.length];
    }

    private void closed(int streamId, boolean reset) {
        int i = indexOf(streamId);
        if (i >= 0) {
            fates[i] = reset ? RESET : ENDED;
        }
    }

    /** ENDED, RESET or OPEN for a remembered stream; NEVER_OPENED for an id skipped below the newest; else UNKNOWN. */
    private int fate(int streamId) {
        if (size == 0 || streamId < horizon || streamId > newest()) {
            return UNKNOWN;
        }
        int i = indexOf(streamId);
        return i < 0 ? NEVER_OPENED : fates[i];
    }

    private int indexOf(int streamId) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int id = ids[(start + mid) % ids.length];
            if (id < streamId) {
                lo = mid + 1;
            } else if (id > streamId) {
                hi = mid - 1;
            } else {
                return (start + mid) % ids.length;
            }
        }
        return -1;
    }
}
