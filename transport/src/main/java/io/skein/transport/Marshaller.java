package io.skein.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Turns messages of one type into wire bytes and back. The transport parses each inbound message
 * on the I/O thread as soon as it arrives, so nothing above the transport ever holds a buffer.
 *
 * @param <T> the message type
 */
public interface Marshaller<T> {

    /**
     * Parses the readable bytes of {@code buffer}. Must not retain or release it.
     *
     * @throws Exception when the bytes are not a valid message; the call then ends with
     *                   {@code INVALID_ARGUMENT} (server side) or {@code INTERNAL} (client side)
     */
    T parse(ByteBuf buffer) throws Exception;

    /** Serializes {@code value} into a new buffer from {@code allocator}; the caller owns the buffer. */
    ByteBuf serialize(T value, ByteBufAllocator allocator);
}
