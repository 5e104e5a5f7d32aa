package io.skein.transport.internal.connection;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.skein.transport.internal.call.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the connection-level handler of every protocol, on both ends, does alike: tell the calls when
 * the channel is writable again or gone, and close the connection with a logged reason on a protocol
 * error. Runs on the channel's event loop.
 */
public abstract class ConnectionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);

    /** "client" or "server": the role of the peer, for log and status messages. */
    private final String peerRole;

    protected ConnectionHandler(String peerRole) {
        this.peerRole = peerRole;
    }

    /** The connection this handler serves. */
    protected abstract Connection connection();

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
    protected final void closeWithReason(ChannelHandlerContext ctx, String reason) {
        log.warn("closing connection to {} {}: {}", peerRole, ctx.channel().remoteAddress(), reason);
        connection().fireClosed("connection closed: " + reason);
        ctx.close();
    }
}
