package io.skein.transport.internal.grpc;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.protocols.grpc.GrpcCompression;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.ClientStream;
import io.skein.transport.internal.call.Connection;

/** The client side of a gRPC call's HTTP/2 stream, as the call engine drives it. */
final class GrpcClientStream extends GrpcCallWire implements ClientStream {

    private final GrpcClientStreamHandler handler;

    GrpcClientStream(Http2StreamChannel channel, Connection connection, TransportSettings settings,
                     GrpcCompression encoding, GrpcClientStreamHandler handler) {
        super(channel, connection, settings, encoding);
        this.handler = handler;
    }

    @Override
    void tooLarge(StatusException error) {
        reset(StatusCode.CANCELLED, error.getMessage());
    }

    @Override
    public void halfClose() {
        channel.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true));
    }

    @Override
    public void reset(StatusCode code, String reason) {
        // Closing the stream channel sends RST_STREAM(CANCEL) while the stream is open and releases the
        // frames it queued unread. Fix (found by GrpcConnectionFlowTest's leak check): writing the reset
        // alone left a stalled call's queued DATA in the channel, which Netty only drains as it is read,
        // and nobody reads a call that is over, so the buffers and the channel lived on.
        channel.close();
    }

    @Override
    public void grant(int messages) {
        handler.demand(messages);
    }
}
