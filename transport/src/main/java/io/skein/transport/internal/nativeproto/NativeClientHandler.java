package io.skein.transport.internal.nativeproto;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.internal.call.CallListener;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.connection.ConnectionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The client end of one native-protocol connection: routes each frame to its call by stream id, as {@code StreamEvent}s. */
final class NativeClientHandler extends ConnectionHandler {

    private static final Logger log = LoggerFactory.getLogger(NativeClientHandler.class);

    private final NativeConnection connection;
    private final Runnable onGoAway;

    NativeClientHandler(NativeConnection connection, Runnable onGoAway) {
        super("server");
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
            if (!(msg instanceof SkeinFrame frame)) {
                log.warn("unexpected inbound object {} on {}", msg.getClass().getName(), ctx.channel());
                return;
            }
            if (frame instanceof SkeinFrame.GoAway goAway) {
                log.debug("server {} sent GOAWAY ({}): no new calls on this connection", ctx.channel().remoteAddress(),
                        goAway.reason());
                connection.peerWentAway(goAway.lastStreamId());
                connection.drain(ctx::close);
                onGoAway.run();
                return;
            }
            if (frame instanceof SkeinFrame.UnaryRequest || frame instanceof SkeinFrame.StreamOpen) {
                closeWithReason(ctx, "server sent a client-only frame " + frame.getClass().getSimpleName());
                return;
            }
            CallListener call = connection.call(frame.streamId());
            if (call == null || !NativeEvents.deliver(frame, call)) {
                log.trace("dropping {} for stream {}", frame.getClass().getSimpleName(), frame.streamId());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }
}
