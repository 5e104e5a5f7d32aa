package io.skein.transport.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both ends of a native-protocol connection do alike: tell the call streams when the channel is
 * writable again or gone, and close the connection with a logged reason on a protocol error.
 */
abstract class ConnectionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);

    /** "client" or "server": the role of the peer, for log and status messages. */
    private final String peerRole;

    ConnectionHandler(String peerRole) {
        this.peerRole = peerRole;
    }

    /** The connection this handler serves. */
    abstract Connection connection();

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            connection().fireWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connection().fireClosed("connection to " + peerRole + " " + ctx.channel().remoteAddress() + " closed");
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        closeWithReason(ctx, cause.toString());
    }

    /** Ends every call with UNAVAILABLE and closes the channel, logging why. */
    final void closeWithReason(ChannelHandlerContext ctx, String reason) {
        log.warn("closing connection to {} {}: {}", peerRole, ctx.channel().remoteAddress(), reason);
        connection().fireClosed("connection closed: " + reason);
        ctx.close();
    }
}
