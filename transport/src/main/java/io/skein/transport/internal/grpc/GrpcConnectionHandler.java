package io.skein.transport.internal.grpc;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.util.ReferenceCountUtil;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.connection.ConnectionHandler;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits after the HTTP/2 multiplexer on a gRPC connection (server or client): what reaches it is
 * connection-level (GOAWAY from the peer, errors); it also ends every call when the connection goes.
 *
 * <p>Connection errors: an {@link Http2Exception} reaching this handler comes from Netty's
 * {@code Http2ConnectionHandler}, which fires it here and then itself sends GOAWAY with the error's
 * code and message as debug data and closes the connection. This handler logs it and ends the calls,
 * and must not close the channel: a close from here would reach the codec first and make it send a
 * graceful GOAWAY(NO_ERROR) without debug data, hiding the real error (what Skein did before).
 */
final class GrpcConnectionHandler extends ConnectionHandler {

    private static final Logger log = LoggerFactory.getLogger(GrpcConnectionHandler.class);

    private final Connection connection;
    private final Runnable onGoAway;
    private final String peerRole;

    GrpcConnectionHandler(Connection connection, Runnable onGoAway) {
        this(connection, onGoAway, "peer");
    }

    GrpcConnectionHandler(Connection connection, Runnable onGoAway, String peerRole) {
        super(peerRole);
        this.connection = connection;
        this.onGoAway = onGoAway;
        this.peerRole = peerRole;
    }

    @Override
    protected Connection connection() {
        return connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2GoAwayFrame) {
                // The peer takes no new streams: stop opening calls here, let running ones finish.
                connection.drain(ctx::close);
                onGoAway.run();
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Http2Exception http2 = Http2CodecUtil.getEmbeddedHttp2Exception(cause);
        if (http2 != null) {
            // The codec sends GOAWAY(code, message) and closes, in order, after this returns.
            String reason = "HTTP/2 connection error " + http2.error() + ": " + http2.getMessage();
            log.warn("closing connection to {} {}: {}", peerRole, ctx.channel().remoteAddress(), reason);
            connection.fireClosed("connection closed: " + reason);
            return;
        }
        if (cause instanceof IOException || !ctx.channel().isActive()) {
            closeWithReason(ctx, cause.toString()); // the socket failed: nothing can be said any more
            return;
        }
        // A failure of Skein's own: tell the peer (GOAWAY INTERNAL_ERROR, after which the codec closes).
        String reason = "internal error: " + cause;
        log.warn("closing connection to {} {}: {}", peerRole, ctx.channel().remoteAddress(), reason, cause);
        connection.fireClosed("connection closed: " + reason);
        ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.INTERNAL_ERROR,
                ByteBufUtil.writeUtf8(ctx.alloc(), "internal error"))).addListener(f -> {
            if (!f.isSuccess()) {
                ctx.close();
            }
        });
    }
}
