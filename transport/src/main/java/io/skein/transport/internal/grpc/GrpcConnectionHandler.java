package io.skein.transport.internal.grpc;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.util.ReferenceCountUtil;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.connection.ConnectionHandler;

/**
 * Sits after the HTTP/2 multiplexer on a gRPC connection: what reaches it is connection-level
 * (GOAWAY from the peer, errors); it also ends every call when the connection goes.
 */
final class GrpcConnectionHandler extends ConnectionHandler {

    private final Connection connection;
    private final Runnable onGoAway;

    GrpcConnectionHandler(Connection connection, Runnable onGoAway) {
        super("peer");
        this.connection = connection;
        this.onGoAway = onGoAway;
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
}
