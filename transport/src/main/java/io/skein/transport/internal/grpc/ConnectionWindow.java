package io.skein.transport.internal.grpc;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;

/**
 * Opens a connection's HTTP/2 receive window from the protocol's 65,535 bytes to
 * {@code skein.grpc.connection-window-size} once the connection is up (after the codec's preface and
 * SETTINGS), then removes itself. Sits after the frame codec; Netty's codec turns a stream-less
 * WINDOW_UPDATE frame into a larger connection window and sends the update.
 */
final class ConnectionWindow extends ChannelInboundHandlerAdapter {

    private static final int DEFAULT_WINDOW = 65_535;

    private final int window;

    ConnectionWindow(int window) {
        this.window = window;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            open(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        open(ctx);
        ctx.fireChannelActive();
    }

    private void open(ChannelHandlerContext ctx) {
        if (window > DEFAULT_WINDOW) {
            ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(window - DEFAULT_WINDOW));
        }
        ctx.pipeline().remove(this);
    }
}
