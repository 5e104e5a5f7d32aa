package io.skein.transport.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import io.skein.protocols.frame.SkeinFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The client end of one native-protocol connection: routes each frame to its call by stream id. */
final class ClientConnectionHandler extends ConnectionHandler {

    private static final Logger log = LoggerFactory.getLogger(ClientConnectionHandler.class);

    private final Connection connection;
    private final Runnable onGoAway;

    ClientConnectionHandler(Connection connection, Runnable onGoAway) {
        super("server");
        this.connection = connection;
        this.onGoAway = onGoAway;
    }

    @Override
    Connection connection() {
        return connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!(msg instanceof SkeinFrame frame)) {
                log.warn("unexpected inbound object {} on {}", msg.getClass().getName(), ctx.channel());
                return;
            }
            if (frame instanceof SkeinFrame.GoAway goAway) {
                log.debug("server {} sent GOAWAY ({}): no new calls on this connection", ctx.channel().remoteAddress(),
                        goAway.reason());
                connection.drain(ctx::close);
                onGoAway.run();
                return;
            }
            if (frame instanceof SkeinFrame.UnaryRequest || frame instanceof SkeinFrame.StreamOpen) {
                closeWithReason(ctx, "server sent a client-only frame " + frame.getClass().getSimpleName());
                return;
            }
            WireStream stream = connection.stream(frame.streamId());
            if (stream != null) {
                stream.onFrame(frame);
            } else {
                log.trace("dropping {} for unknown stream {}", frame.getClass().getSimpleName(), frame.streamId());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }
}
