package io.skein.protocols.frame;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Writes each outbound {@link SkeinFrame} as one TTHeader frame with {@link SkeinFrameCodec}, into one
 * buffer sized up front (the payload is copied once: for the small and medium messages of RPC this
 * beats a header buffer plus a retained payload, which costs a composite write per frame). The frame
 * is released after encoding, payload frames included. Stateless, so one instance may serve every
 * channel.
 */
@Sharable
public final class SkeinFrameEncoder extends MessageToByteEncoder<SkeinFrame> {

    /** Creates an encoder that writes into direct (I/O) buffers. */
    public SkeinFrameEncoder() {
        super(SkeinFrame.class, true);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, SkeinFrame msg, boolean preferDirect) {
        return ctx.alloc().ioBuffer(SkeinFrameCodec.estimateSize(msg));
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, SkeinFrame msg, ByteBuf out) {
        SkeinFrameCodec.encode(msg, out);
    }
}
