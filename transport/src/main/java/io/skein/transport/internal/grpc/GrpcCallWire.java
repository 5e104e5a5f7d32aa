package io.skein.transport.internal.grpc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.skein.protocols.StatusException;
import io.skein.protocols.grpc.GrpcCompression;
import io.skein.protocols.grpc.GrpcMessageFramer;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.CallListener;
import io.skein.transport.internal.call.CallWire;
import io.skein.transport.internal.call.Connection;

/**
 * What both ends of a gRPC call's HTTP/2 stream share: no message credits (HTTP/2 windows gate the
 * sender, and the stream channel's writability reflects them), length-prefixed messages in DATA frames,
 * and the call's registration on its connection (for drain and load).
 */
abstract class GrpcCallWire implements CallWire {

    final Http2StreamChannel channel;
    final Connection connection;
    final TransportSettings settings;
    private volatile GrpcMessageFramer framer;

    GrpcCallWire(Http2StreamChannel channel, Connection connection, TransportSettings settings,
                 GrpcCompression encoding) {
        this.channel = channel;
        this.connection = connection;
        this.settings = settings;
        this.framer = new GrpcMessageFramer(channel.alloc(), encoding, settings.grpc().maxMessageSize());
    }

    /**
     * Compresses the messages sent from now on with {@code encoding}, the one this side announces in its
     * {@code grpc-encoding} (a server decides it as it writes its response headers).
     */
    final void useEncoding(GrpcCompression encoding) {
        if (framer.compression() != encoding) {
            framer = new GrpcMessageFramer(channel.alloc(), encoding, settings.grpc().maxMessageSize());
        }
    }

    @Override
    public final boolean countsCredits() {
        return false;
    }

    @Override
    public final int initialSendCredits() {
        return Integer.MAX_VALUE;
    }

    @Override
    public final int window() {
        return settings.streamWindow();
    }

    @Override
    public final int maxMessageSize() {
        return settings.grpc().maxMessageSize();
    }

    @Override
    public final ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public final boolean isWritable() {
        return channel.isWritable();
    }

    /**
     * Frames {@code payload} (taking it), compressed if {@code compress} and the call's encoding compresses;
     * null after reporting an oversized message to {@link #tooLarge}.
     */
    final ByteBuf frame(ByteBuf payload, boolean compress) {
        try {
            return framer.frame(payload, compress);
        } catch (StatusException e) {
            tooLarge(e);
            return null;
        }
    }

    /** A message was over the limit: end the call from this side. */
    abstract void tooLarge(StatusException error);

    @Override
    public final void sendMessage(ByteBuf payload) {
        sendMessage(payload, true);
    }

    @Override
    public void sendMessage(ByteBuf payload, boolean compress) {
        ByteBuf framed = frame(payload, compress);
        if (framed != null) {
            channel.writeAndFlush(new DefaultHttp2DataFrame(framed, false));
        }
    }

    @Override
    public final void detach(CallListener listener) {
        connection.unregister(channel.stream().id(), listener);
    }
}
