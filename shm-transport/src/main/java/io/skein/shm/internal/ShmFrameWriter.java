package io.skein.shm.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.skein.protocols.frame.PayloadFrame;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.protocols.frame.SkeinFrameCodec;
import io.skein.shm.ShmStats;
import io.skein.shm.ipc.BufferManager;
import io.skein.shm.ipc.ShmipcSession;

/**
 * Writes the native protocol's {@link SkeinFrame}s into shared memory: each frame is one flush on its
 * call's stream (one queue element naming its slices). A message serialized into a
 * {@link ShmSliceBuf} is sent in place, its frame header written into the room in front of it (zero
 * copy); any other frame is encoded straight into a slice, or into a chain of slices when it is larger
 * than one. When no slice is free or the queue is full the frame goes over the control socket
 * (fallback), and every later frame of that call follows it there, so that a call's frames never
 * overtake each other. A flush wakes the peer once for the whole batch.
 *
 * <p>Threads: the channel's event loop (Netty's outbound path). Ownership: it releases every frame it
 * is given.
 */
final class ShmFrameWriter extends ChannelOutboundHandlerAdapter {

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    /** Calls remembered as having fallen back, above which the ones that ended are forgotten. */
    private static final int FALLBACK_SWEEP = 1024;

    private final ShmipcSession session;
    private final ShmStats stats;
    private final IntObjectHashMap<Boolean> fallbackStreams = new IntObjectHashMap<>();
    private io.skein.transport.internal.call.Connection connection;

    ShmFrameWriter(ShmipcSession session, ShmStats stats) {
        this.session = session;
        this.stats = stats;
    }

    /** The connection whose calls this writer carries (to forget fallen-back calls that ended). */
    void connection(io.skein.transport.internal.call.Connection connection) {
        this.connection = connection;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof SkeinFrame frame)) {
            ctx.write(msg, promise);
            return;
        }
        try {
            if (!session.isReady()) {
                promise.tryFailure(new java.nio.channels.ClosedChannelException());
                return;
            }
            int streamId = frame.streamId();
            int outcome = fallbackStreams.containsKey(streamId) ? UNSENT : writeShared(frame);
            if (outcome >= FELL_BACK) {
                rememberFallback(streamId);
            }
            if (outcome == UNSENT) {
                ByteBuf encoded = encode(frame);
                session.sendFallback(streamId, encoded);
            }
            stats.count(outcome == IN_PLACE ? ShmStats.Outcome.IN_PLACE
                    : outcome == COPIED ? ShmStats.Outcome.COPIED : ShmStats.Outcome.FALLBACK);
            promise.trySuccess();
        } catch (RuntimeException e) {
            promise.tryFailure(e);
            throw e;
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (session.wakePeerIfPending()) {
            stats.wakeup();
        }
        ctx.flush();
    }

    private static final int IN_PLACE = 0;
    private static final int COPIED = 1;
    private static final int FELL_BACK = 2;
    private static final int UNSENT = 3;

    /**
     * Sends {@code frame} through shared memory: {@link #IN_PLACE} (its message already lay in a slice),
     * {@link #COPIED} (encoded into slices), {@link #FELL_BACK} (sent over the socket) or {@link #UNSENT}.
     */
    private int writeShared(SkeinFrame frame) {
        BufferManager buffers = session.buffers();
        if (frame instanceof PayloadFrame p && unwrap(p.payload()) instanceof ShmSliceBuf in
                && in.buffers() == buffers && sendInPlace(p, in)) {
            return IN_PLACE;
        }
        int size = SkeinFrameCodec.estimateSize(frame);
        if (size <= buffers.maxSliceSize()) {
            int slice = buffers.allocate(size);
            if (slice >= 0) {
                ByteBuf target = Unpooled.wrappedBuffer(buffers.memory().view(BufferManager.data(slice),
                        buffers.capacity(slice))).clear();
                try {
                    SkeinFrameCodec.encode(frame, target);
                    buffers.setData(slice, 0, target.writerIndex());
                } catch (IndexOutOfBoundsException tooBig) {
                    buffers.recycle(slice);
                    return sendCopied(frame);
                } catch (RuntimeException e) {
                    buffers.recycle(slice);
                    throw e;
                } finally {
                    target.release();
                }
                if (session.sendSlices(frame.streamId(), slice)) {
                    return COPIED;
                }
                buffers.recycle(slice);
                return UNSENT;
            }
        }
        return sendCopied(frame);
    }

    /** Writes the frame's header in front of its payload, already in a slice, and sends the slice. */
    private boolean sendInPlace(PayloadFrame frame, ShmSliceBuf payload) {
        ByteBuf header = ALLOC.heapBuffer(256);
        try {
            int n = SkeinFrameCodec.encodeHeader(frame, header);
            int h = header.readableBytes();
            int at = payload.headroom() + frame.payload().readerIndex();
            if (n != frame.payload().readableBytes() || h > at) {
                return false; // no room for this header: copy the frame instead
            }
            BufferManager buffers = payload.buffers();
            buffers.memory().put(BufferManager.data(payload.sliceOffset()) + at - h, header.nioBuffer());
            buffers.setData(payload.sliceOffset(), at - h, h + n);
            if (!session.sendSlices(frame.streamId(), payload.sliceOffset())) {
                return false; // queue full: the payload buffer still owns its slice and is released by the caller
            }
            payload.transfer();
            return true;
        } finally {
            header.release();
        }
    }

    /** Encodes the frame and copies it into a chain of slices, or sends it over the socket when none are free. */
    private int sendCopied(SkeinFrame frame) {
        return session.sendCopy(frame.streamId(), encode(frame)) ? COPIED : FELL_BACK;
    }

    private static ByteBuf encode(SkeinFrame frame) {
        ByteBuf encoded = ALLOC.buffer(SkeinFrameCodec.estimateSize(frame));
        try {
            SkeinFrameCodec.encode(frame, encoded);
            return encoded;
        } catch (RuntimeException e) {
            encoded.release();
            throw e;
        }
    }

    private void rememberFallback(int streamId) {
        if (fallbackStreams.size() >= FALLBACK_SWEEP && connection != null) {
            fallbackStreams.keySet().removeIf(id -> connection.call(id) == null);
        }
        fallbackStreams.put(streamId, Boolean.TRUE);
    }

    private static ByteBuf unwrap(ByteBuf b) {
        for (ByteBuf u = b; u != null; u = u.unwrap()) {
            if (u instanceof ShmSliceBuf) {
                return u;
            }
        }
        return b;
    }
}
