package io.skein.transport.internal;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.protocols.grpc.GrpcCompression;
import io.skein.transport.TransportSettings;

/** The client side of a gRPC call's HTTP/2 stream, as a {@link CallStreamStage} drives it. */
final class GrpcClientCallWire extends GrpcCallWire {

    private final GrpcClientStreamHandler handler;

    GrpcClientCallWire(Http2StreamChannel channel, TransportSettings settings, GrpcClientStreamHandler handler) {
        super(channel, settings, GrpcCompression.IDENTITY);
        this.handler = handler;
    }

    @Override
    void tooLarge(StatusException error) {
        reset(StatusCode.CANCELLED, error.getMessage());
    }

    @Override
    public void attach(WireStream stream) {
        // Attached when the stream channel was opened.
    }

    @Override
    public void halfClose() {
        channel.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true));
    }

    @Override
    public void sendHeaders(Metadata headers) {
        throw new UnsupportedOperationException("request headers go with the open");
    }

    @Override
    public void sendTrailers(Status status, Metadata trailers) {
        throw new UnsupportedOperationException("a client does not send trailers");
    }

    @Override
    public void reset(StatusCode code, String reason) {
        if (channel.isActive()) {
            channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
        }
    }

    @Override
    public void grant(int messages) {
        handler.demand(messages);
    }

    @Override
    public void detach(WireStream stream) {
        // The stream channel closes itself once both sides ended or it was reset.
    }
}
