package io.skein.shm.internal;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.skein.shm.ipc.BufferManager;
import io.skein.shm.ipc.ShmipcSession;

/**
 * The allocator of a shared-memory connection's channel, which the call engine serializes messages
 * with ({@code CallWire.alloc()}): a buffer of a known size that fits one slice (after the header
 * room) is a {@link ShmSliceBuf} in the session's buffer region, so the message is written straight
 * into shared memory and sent without a copy; everything else, and any request when no slice is free
 * or the session is not ready, comes from the pooled allocator. Thread-safe.
 */
final class ShmAllocator extends AbstractByteBufAllocator {

    private final ByteBufAllocator delegate;
    private final int headroom;
    private volatile ShmipcSession session;

    ShmAllocator(ByteBufAllocator delegate, int headroom) {
        super(true);
        this.delegate = delegate;
        this.headroom = headroom;
    }

    void session(ShmipcSession session) {
        this.session = session;
    }

    @Override
    public ByteBuf buffer(int initialCapacity) {
        ByteBuf shm = slice(initialCapacity);
        return shm != null ? shm : delegate.buffer(initialCapacity);
    }

    @Override
    public ByteBuf buffer(int initialCapacity, int maxCapacity) {
        ByteBuf shm = maxCapacity == initialCapacity ? slice(initialCapacity) : null;
        return shm != null ? shm : delegate.buffer(initialCapacity, maxCapacity);
    }

    private ByteBuf slice(int size) {
        ShmipcSession s = session;
        BufferManager buffers = s == null || !s.isReady() ? null : s.buffers();
        if (buffers == null || size <= 0 || size > buffers.maxSliceSize() - headroom) {
            return null;
        }
        if (!buffers.memory().tryRetain()) {
            return null;
        }
        int slice;
        try {
            slice = buffers.allocate(size + headroom);
        } catch (RuntimeException | InternalError e) { // a corrupt free list, or memory the peer truncated
            slice = -1;
        }
        if (slice < 0) {
            buffers.memory().release();
            return null;
        }
        return toLeakAwareBuffer(new ShmSliceBuf(this, buffers, slice, headroom));
    }

    @Override
    public ByteBuf heapBuffer(int initialCapacity) {
        return delegate.heapBuffer(initialCapacity);
    }

    @Override
    public ByteBuf heapBuffer(int initialCapacity, int maxCapacity) {
        return delegate.heapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public ByteBuf directBuffer(int initialCapacity) {
        return delegate.directBuffer(initialCapacity);
    }

    @Override
    public ByteBuf directBuffer(int initialCapacity, int maxCapacity) {
        return delegate.directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity) {
        return delegate.ioBuffer(initialCapacity);
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity, int maxCapacity) {
        return delegate.ioBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public CompositeByteBuf compositeBuffer(int maxNumComponents) {
        return delegate.compositeBuffer(maxNumComponents);
    }

    @Override
    public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) {
        return delegate.compositeDirectBuffer(maxNumComponents);
    }

    @Override
    public CompositeByteBuf compositeHeapBuffer(int maxNumComponents) {
        return delegate.compositeHeapBuffer(maxNumComponents);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return delegate.heapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return delegate.directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }
}
