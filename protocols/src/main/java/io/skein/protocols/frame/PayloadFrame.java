package io.skein.protocols.frame;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * A {@link SkeinFrame} that owns a payload buffer; its reference count is the payload's, so Netty's
 * {@code ReferenceCountUtil.release(frame)} frees it.
 */
public sealed interface PayloadFrame extends SkeinFrame, ReferenceCounted
        permits SkeinFrame.UnaryRequest, SkeinFrame.UnaryResponse, SkeinFrame.StreamMessage {

    /** The serialized message. */
    ByteBuf payload();

    @Override
    default int refCnt() {
        return payload().refCnt();
    }

    @Override
    default PayloadFrame retain() {
        payload().retain();
        return this;
    }

    @Override
    default PayloadFrame retain(int increment) {
        payload().retain(increment);
        return this;
    }

    @Override
    default PayloadFrame touch() {
        payload().touch();
        return this;
    }

    @Override
    default PayloadFrame touch(Object hint) {
        payload().touch(hint);
        return this;
    }

    @Override
    default boolean release() {
        return payload().release();
    }

    @Override
    default boolean release(int decrement) {
        return payload().release(decrement);
    }
}
