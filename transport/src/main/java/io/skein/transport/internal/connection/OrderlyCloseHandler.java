package io.skein.transport.internal.connection;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.annotation.InternalApi;

/**
 * Closes a connection in order, so that the peer can read the last thing the server said (an HTTP/2
 * GOAWAY with its error code): sits next to the head of the pipeline, below the protocol's codec, and
 * turns every {@code close()} that passes it into
 * <ol>
 * <li>a flush of everything written so far, then a shutdown of the output (the peer reads the GOAWAY,
 * then end of stream);</li>
 * <li>reading and discarding whatever the peer still sends, with auto-read on, so that no unread input
 * is left in the socket when it closes: a close with unread input makes the kernel send a TCP reset,
 * and a reset can destroy the GOAWAY before the peer has read it (RFC 9113 section 5.4.1);</li>
 * <li>the close itself, when the peer closes its side (end of stream) or after {@code drainTimeoutMillis}.</li>
 * </ol>
 * The caller's close promise completes when the channel is really closed. Channels that cannot shut
 * down their output alone (not a {@link DuplexChannel}, such as an embedded test channel), a timeout of
 * 0, or a channel already half closed are closed at once.
 */
@InternalApi
public final class OrderlyCloseHandler extends ChannelDuplexHandler {

    private final long drainTimeoutMillis;
    private final Runnable onClosing;
    private boolean closing;
    private ScheduledFuture<?> timeout;

    /**
     * @param drainTimeoutMillis how long to read and discard after the output was shut down
     * @param onClosing          runs once, on the event loop, when an orderly close begins (the calls of
     *                           the connection end then, not when the socket finally closes)
     */
    public OrderlyCloseHandler(long drainTimeoutMillis, Runnable onClosing) {
        this.drainTimeoutMillis = drainTimeoutMillis;
        this.onClosing = onClosing;
    }

    /** Whether an orderly close has begun: input is being discarded. */
    public boolean isClosing() {
        return closing;
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        Channel channel = ctx.channel();
        if (closing) {
            channel.closeFuture().addListener(f -> promise.trySuccess());
            return;
        }
        if (drainTimeoutMillis <= 0 || !(channel instanceof DuplexChannel duplex) || !channel.isActive()
                || duplex.isInputShutdown() || duplex.isOutputShutdown()) {
            ctx.close(promise);
            return;
        }
        closing = true;
        onClosing.run();
        channel.closeFuture().addListener(f -> promise.trySuccess());
        timeout = ctx.executor().schedule(() -> ctx.close(), drainTimeoutMillis, TimeUnit.MILLISECONDS);
        // Whatever was written before (the GOAWAY) goes out before the end of stream.
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
            if (!written.isSuccess() || !channel.isActive()) {
                ctx.close();
                return;
            }
            duplex.shutdownOutput().addListener(shut -> {
                if (!shut.isSuccess()) {
                    ctx.close();
                }
            });
        });
        // Read on whatever the connection's backpressure said: the peer's end of stream must be seen.
        channel.config().setAutoRead(true);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg); // in flight when the server gave up on the connection
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (closing && !ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
        ctx.fireChannelReadComplete(); // handlers above may flush on it
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (closing && (evt instanceof ChannelInputShutdownEvent || evt == ChannelInputShutdownReadComplete.INSTANCE)) {
            ctx.close(); // the peer closed its side (only reported so when half closure is allowed)
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
        ctx.fireChannelInactive();
    }
}
