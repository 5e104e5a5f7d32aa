package io.skein.transport.internal.grpc;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.Connection;
import java.nio.charset.StandardCharsets;

/** An HTTP/2 connection carrying gRPC calls (one HTTP/2 stream each); GOAWAY is HTTP/2's own. */
final class GrpcConnection extends Connection {

    GrpcConnection(Channel channel, TransportSettings settings, int maxActiveCalls) {
        super(channel, settings, maxActiveCalls);
    }

    @Override
    public void sendGoAway(String reason) {
        channel().writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR,
                Unpooled.copiedBuffer(reason, StandardCharsets.UTF_8)));
    }
}
