package io.skein.shm.internal;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.DecoderException;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.protocols.frame.SkeinFrameCodec;
import io.skein.shm.ipc.ShmipcException;
import io.skein.shm.ipc.ShmipcListener;
import io.skein.shm.ipc.ShmipcSession;
import java.util.concurrent.CompletableFuture;

/**
 * Reads the native protocol's frames out of what a Shmipc session delivers — the slices in shared
 * memory, in place — and fires each {@link SkeinFrame} down the channel's pipeline to the native
 * protocol's handler, whose payloads are views of the slices: the call engine parses a message
 * straight from shared memory, on this event loop, before the session recycles the slices.
 *
 * <p>A flush carries whole frames of the stream it was flushed on (GoAway on stream 0); anything else,
 * or a frame over the transport's size limit, is a protocol violation that closes the session.
 */
final class ShmFrameReader implements ShmipcListener {

    private final int maxFrameSize;
    private final CompletableFuture<ShmipcSession> ready = new CompletableFuture<>();
    private ShmipcSession session;

    ShmFrameReader(int maxFrameSize) {
        this.maxFrameSize = maxFrameSize;
    }

    /** Completes when the handshake is done, fails if the session ends first. */
    CompletableFuture<ShmipcSession> ready() {
        return ready;
    }

    @Override
    public void onReady(ShmipcSession s) {
        session = s;
        ready.complete(s);
    }

    @Override
    public void onData(int streamId, ByteBuf data, boolean fallback) {
        while (data.isReadable()) {
            int at = data.readerIndex();
            if (data.readableBytes() < 4) {
                throw new ShmipcException("a flush on stream " + streamId + " ends inside a frame's length");
            }
            long size = data.getUnsignedInt(at) + 4;
            if (size > maxFrameSize) {
                throw new ShmipcException("frame of " + size + " bytes on stream " + streamId + " exceeds the limit "
                        + maxFrameSize);
            }
            if (size > data.readableBytes()) {
                throw new ShmipcException("a flush on stream " + streamId + " holds " + data.readableBytes()
                        + " bytes of a " + size + "-byte frame");
            }
            SkeinFrame frame;
            try {
                frame = SkeinFrameCodec.decode(data, at, at + (int) size);
            } catch (DecoderException e) {
                throw new ShmipcException("corrupt frame on stream " + streamId + ": " + e.getMessage(), e);
            }
            data.readerIndex(at + (int) size);
            if (frame.streamId() != streamId && !(frame instanceof SkeinFrame.GoAway)) {
                io.netty.util.ReferenceCountUtil.release(frame);
                throw new ShmipcException("frame of stream " + frame.streamId() + " flushed on stream " + streamId);
            }
            session.context().fireChannelRead(frame);
        }
    }

    @Override
    public void onClosed(String reason) {
        ready.completeExceptionally(new java.io.IOException(reason));
    }
}
