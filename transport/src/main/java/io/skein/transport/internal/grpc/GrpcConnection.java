package io.skein.transport.internal.grpc;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.Connection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;

/** An HTTP/2 connection carrying gRPC calls (one HTTP/2 stream each); GOAWAY is HTTP/2's own. */
final class GrpcConnection extends Connection {

    @Override
    public String protocol() {
        return "grpc";
    }


    // The server streams whose channels are open; event loop only (empty on a client).
    private final Set<GrpcServerStreamHandler> streams = new HashSet<>();

    GrpcConnection(Channel channel, TransportSettings settings, int maxActiveCalls) {
        super(channel, settings, maxActiveCalls);
    }

    @Override
    public void sendGoAway(String reason) {
        channel().writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR,
                Unpooled.copiedBuffer(reason, StandardCharsets.UTF_8)));
    }

    /** A server stream channel became active; on the event loop. */
    void streamOpened(GrpcServerStreamHandler stream) {
        if (isClosed()) {
            stream.connectionClosed();
        } else {
            streams.add(stream);
        }
    }

    /** A server stream channel closed; on the event loop. */
    void streamClosed(GrpcServerStreamHandler stream) {
        streams.remove(stream);
    }

    /**
     * Fix (found by Http2ConnectionErrorTest under PARANOID leak detection): Netty closes a stream
     * channel whose stream ended only once its queued frames have been read, and a stream read on demand
     * is not read any more once its call is over; when the connection failed under a call that had DATA
     * queued, the stream channel and its buffers stayed. Each open stream now reads its input to the end,
     * discarding it.
     */
    @Override
    protected void closedHook() {
        for (GrpcServerStreamHandler stream : new ArrayList<>(streams)) {
            stream.connectionClosed();
        }
        streams.clear();
    }
}
