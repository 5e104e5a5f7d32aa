package io.skein.protocols.frame;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.skein.protocols.ttheader.TTHeader;
import java.util.List;

/**
 * Splits inbound bytes into TTHeader frames and decodes each into a {@link SkeinFrame} with
 * {@link SkeinFrameCodec}. Payloads are retained slices of the inbound buffer (no copy); whoever
 * receives a {@link PayloadFrame} releases it.
 *
 * <p>A frame larger than {@code maxFrameSize} raises {@link TooLongFrameException} as soon as its
 * length field is readable; a malformed frame raises {@link CorruptedFrameException}. Either way the
 * decoder stops: it drops everything it receives afterwards, since the stream can no longer be trusted
 * and the transport closes the connection on these exceptions.
 */
public final class SkeinFrameDecoder extends ByteToMessageDecoder {

    private final int maxFrameSize;
    private boolean failed;

    /**
     * @param maxFrameSize the largest frame accepted, the 4-byte length field included; at least
     *                     {@link TTHeader#MIN_FRAME_SIZE}
     */
    public SkeinFrameDecoder(int maxFrameSize) {
        if (maxFrameSize < TTHeader.MIN_FRAME_SIZE) {
            throw new IllegalArgumentException("maxFrameSize: " + maxFrameSize + " (expected: >= "
                                               + TTHeader.MIN_FRAME_SIZE + ')');
        }
        this.maxFrameSize = maxFrameSize;
    }

    /** The largest frame accepted, length field included. */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            for (;;) {
                int size = TTHeader.frameSize(in, maxFrameSize);
                if (size < 0) {
                    return;
                }
                int start = in.readerIndex();
                SkeinFrame frame = SkeinFrameCodec.decode(in, start, start + size);
                in.readerIndex(start + size);
                out.add(frame);
            }
        } catch (RuntimeException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }
}
