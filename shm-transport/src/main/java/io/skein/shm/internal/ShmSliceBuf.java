package io.skein.shm.internal;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.skein.shm.ipc.BufferManager;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A buffer whose memory is one slice of a session's shared buffer region, handed out by
 * {@link ShmAllocator} so that a message is serialized straight into shared memory. It starts
 * {@code headroom} bytes into the slice's data area, leaving room for the frame header that
 * {@link ShmFrameWriter} writes in front of the message when it sends the slice as it is.
 *
 * <p>Ownership: the slice is this buffer's until it is either {@linkplain #transfer() transferred}
 * (sent: the peer recycles it) or the buffer is released, which returns the slice to its free list.
 * Either way the buffer's reference on the mapping is dropped exactly once. Any thread.
 */
final class ShmSliceBuf extends UnpooledDirectByteBuf {

    private final BufferManager buffers;
    private final int slice;
    private final int headroom;
    private final AtomicBoolean done = new AtomicBoolean();

    ShmSliceBuf(ByteBufAllocator alloc, BufferManager buffers, int slice, int headroom) {
        super(alloc, buffers.memory().view(BufferManager.data(slice) + headroom, buffers.capacity(slice) - headroom),
                buffers.capacity(slice) - headroom);
        this.buffers = buffers;
        this.slice = slice;
        this.headroom = headroom;
        setIndex(0, 0); // wrapping a buffer starts it full: this one starts empty
    }

    BufferManager buffers() {
        return buffers;
    }

    int sliceOffset() {
        return slice;
    }

    /** Offset of this buffer's byte 0 in the slice's data area. */
    int headroom() {
        return headroom;
    }

    /** The slice now belongs to the peer (it was put on the queue): releasing this buffer must not recycle it. */
    void transfer() {
        if (done.compareAndSet(false, true)) {
            buffers.memory().release();
        }
    }

    @Override
    protected void deallocate() {
        super.deallocate();
        if (done.compareAndSet(false, true)) {
            try {
                buffers.recycle(slice);
            } finally {
                buffers.memory().release();
            }
        }
    }
}
