package io.skein.shm.ipc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Netty views and copies of a message's chain of slices in a {@link BufferManager}: what a session reads
 * in place and what it copies in or out. Stateless; callers hold the chain (it is theirs until recycled).
 */
final class Chains {

    private Chains() {
    }

    /**
     * The bytes of the chain starting at {@code first} (checked first: corrupt chains throw), read in place:
     * one buffer over a single slice, a composite over several. Valid until the chain is recycled.
     */
    static ByteBuf view(BufferManager bm, int first) {
        long bytes = bm.checkChain(first);
        if (!bm.hasNext(first)) {
            return Unpooled.wrappedBuffer(bm.memory().view(BufferManager.data(first) + bm.start(first), (int) bytes));
        }
        CompositeByteBuf composite = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        for (int slice = first; ; slice = bm.next(slice)) {
            int size = bm.size(slice);
            if (size > 0) {
                composite.addComponent(true, Unpooled.wrappedBuffer(
                        bm.memory().view(BufferManager.data(slice) + bm.start(slice), size)));
            }
            if (!bm.hasNext(slice)) {
                return composite;
            }
        }
    }

    /** Copies the readable bytes of {@code data} into the chain starting at {@code first}, allocated for them. */
    static void fill(BufferManager bm, int first, ByteBuf data) {
        int from = data.readerIndex();
        for (int slice = first; ; slice = bm.next(slice)) {
            int n = Math.min(bm.capacity(slice), data.writerIndex() - from);
            bm.memory().put(BufferManager.data(slice), data.nioBuffer(from, n));
            bm.setData(slice, 0, n);
            from += n;
            if (!bm.hasNext(slice)) {
                return;
            }
        }
    }

    /** A copy of the chain's {@code length} bytes in a buffer from {@code alloc} (the caller owns it). */
    static ByteBuf copy(BufferManager bm, int first, int length, ByteBufAllocator alloc) {
        ByteBuf copy = alloc.buffer(length);
        for (int slice = first; ; slice = bm.next(slice)) {
            copy.writeBytes(bm.memory().view(BufferManager.data(slice) + bm.start(slice), bm.size(slice)));
            if (!bm.hasNext(slice)) {
                return copy;
            }
        }
    }
}
