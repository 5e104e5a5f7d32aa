package io.skein.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
import io.skein.protocols.grpc.GrpcMessageFramer;
import io.skein.transport.TransportSettings;

/** The client side of a gRPC call's HTTP/2 stream, as a {@link CallStreamStage} drives it. */
final class GrpcClientCallWire implements CallWire {

    private final Http2StreamChannel channel;
    private final TransportSettings settings;
    private final GrpcMessageFramer framer;
    private final GrpcClientStreamHandler handler;

    GrpcClientCallWire(Http2StreamChannel channel, TransportSettings settings, GrpcClientStreamHandler handler) {
        this.channel = channel;
        this.settings = settings;
        this.framer = new GrpcMessageFramer(channel.alloc(), GrpcCompression.IDENTITY, settings.grpc().maxMessageSize());
        this.handler = handler;
    }

    @Override
    public boolean countsCredits() {
        return false;
    }

    @Override
    public int initialSendCredits() {
        return Integer.MAX_VALUE;
    }

    @Override
    public int window() {
        return settings.streamWindow();
    }

    @Override
    public int maxMessageSize() {
        return settings.grpc().maxMessageSize();
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public void attach(WireStream stream) {
        // Attached when the stream channel was opened.
    }

    @Override
    public void sendMessage(ByteBuf payload) {
        ByteBuf framed;
        try {
            framed = framer.frame(payload);
        } catch (StatusException e) {
            reset(StatusCode.CANCELLED, e.getMessage());
            return;
        }
        channel.writeAndFlush(new DefaultHttp2DataFrame(framed, false));
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
