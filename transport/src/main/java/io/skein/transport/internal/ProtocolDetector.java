package io.skein.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every accepted connection: looks at the first bytes, installs the pipeline
 * of the protocol they announce, and removes itself. TTHeader frames carry {@code 0x1000} at bytes
 * 4..5; HTTP/2 with prior knowledge starts with {@code "PRI * HTTP/2.0"}. Anything else, or silence
 * past the handshake timeout, closes the connection with a logged reason.
 */
final class ProtocolDetector extends ByteToMessageDecoder {

    private static final Logger log = LoggerFactory.getLogger(ProtocolDetector.class);

    /** Installs a protocol's handlers after the detector. */
    interface PipelineInstaller {
        void install(ChannelHandlerContext ctx);
    }

    private final PipelineInstaller nativeProtocol;
    private final PipelineInstaller http2;
    private final long handshakeTimeoutMillis;
    private ScheduledFuture<?> timeout;

    /** A detector that serves only the native protocol. */
    ProtocolDetector(PipelineInstaller nativeProtocol, long handshakeTimeoutMillis) {
        this(nativeProtocol, null, handshakeTimeoutMillis);
    }

    /** A detector for the native protocol and, when {@code http2} is not null, HTTP/2 (gRPC). */
    ProtocolDetector(PipelineInstaller nativeProtocol, PipelineInstaller http2, long handshakeTimeoutMillis) {
        this.nativeProtocol = nativeProtocol;
        this.http2 = http2;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
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

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 6) {
            return;
        }
        int start = in.readerIndex();
        if (in.getUnsignedShort(start + 4) == 0x1000) {
            nativeProtocol.install(ctx);
            ctx.pipeline().remove(this);
            return;
        }
        boolean preface = in.getInt(start) == 0x50524920 && in.getUnsignedShort(start + 4) == 0x2a20; // "PRI *"
        if (preface && http2 != null) {
            http2.install(ctx);
            ctx.pipeline().remove(this);
            return;
        }
        String reason = preface
                ? "HTTP/2 (gRPC) is not served on this port"
                : "unknown protocol, first bytes " + ByteBufUtil.hexDump(in, start, Math.min(16, in.readableBytes()));
        log.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), reason);
        in.skipBytes(in.readableBytes());
        ctx.close();
    }
}
