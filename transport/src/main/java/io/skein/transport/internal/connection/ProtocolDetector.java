package io.skein.transport.internal.connection;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.call.ServerDispatcher;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every accepted connection: looks at the first bytes, installs the pipeline of
 * the {@link ServerProtocol} they announce, and removes itself. Anything no protocol claims, or
 * silence past the handshake timeout, closes the connection with a logged reason. Protocols are asked
 * in the order given; each decides from as many bytes as it says it needs.
 */
public final class ProtocolDetector extends ByteToMessageDecoder {

    private static final Logger log = LoggerFactory.getLogger(ProtocolDetector.class);
    private static final byte[] HTTP2_PREFACE_START = {'P', 'R', 'I', ' ', '*', ' '};

    private final List<ServerProtocol> protocols;
    private final ServerDispatcher dispatcher;
    private final Consumer<Connection> onOpen;
    private final long handshakeTimeoutMillis;
    private final int needed;
    private ScheduledFuture<?> timeout;

    public ProtocolDetector(List<ServerProtocol> protocols, ServerDispatcher dispatcher, Consumer<Connection> onOpen,
                            long handshakeTimeoutMillis) {
        this.protocols = List.copyOf(protocols);
        this.dispatcher = dispatcher;
        this.onOpen = onOpen;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.needed = this.protocols.stream().mapToInt(ServerProtocol::prefixLength).max().orElse(1);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            log.warn("closing connection from {}: no protocol bytes within {} ms", ctx.channel().remoteAddress(),
                    handshakeTimeoutMillis);
            ctx.close();
        }, handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    /**
     * A connection that fails before its protocol is known (a peer that resets right after connecting or
     * after its TLS handshake) is closed here, in one line: a socket error at debug level, anything else
     * as a warning; nothing travels on to the end of the pipeline.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException) {
            log.debug("connection from {} ended before its protocol was known: {}", ctx.channel().remoteAddress(),
                    cause.getMessage());
        } else {
            log.warn("closing connection from {} before its protocol was known: {}", ctx.channel().remoteAddress(),
                    cause.toString());
        }
        ctx.close();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int readable = in.readableBytes();
        for (ServerProtocol protocol : protocols) {
            if (readable >= protocol.prefixLength() && protocol.matches(in)) {
                protocol.install(ctx, dispatcher, onOpen);
                ctx.pipeline().remove(this);
                return;
            }
        }
        if (readable < needed) {
            return; // a longer prefix may still match
        }
        String reason = startsWith(in, HTTP2_PREFACE_START)
                ? "HTTP/2 (gRPC) is not served on this port"
                : "unknown protocol, first bytes " + ByteBufUtil.hexDump(in, in.readerIndex(), Math.min(16, readable));
        log.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), reason);
        in.skipBytes(readable);
        ctx.close();
    }

    private static boolean startsWith(ByteBuf in, byte[] prefix) {
        if (in.readableBytes() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (in.getByte(in.readerIndex() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
