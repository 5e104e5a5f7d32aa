package io.skein.transport.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.skein.transport.Marshaller;
import java.nio.charset.StandardCharsets;

/**
 * UTF-8 strings on the wire. Rejects (throws from {@link #parse}) any message whose first byte is
 * {@link #POISON_BYTE}, so tests can send an undecodable payload: a string starting with {@link #POISON}.
 */
public final class StringMarshaller implements Marshaller<String> {

    /** The first byte that makes {@link #parse} fail. */
    public static final byte POISON_BYTE = 0x00;

    /** A string whose serialized form {@link #parse} rejects. */
    public static final String POISON = "\u0000undecodable";

    public static final StringMarshaller INSTANCE = new StringMarshaller();

    @Override
    public String parse(ByteBuf buffer) {
        if (buffer.isReadable() && buffer.getByte(buffer.readerIndex()) == POISON_BYTE) {
            throw new IllegalArgumentException("poison byte at the start of the message");
        }
        return buffer.toString(buffer.readerIndex(), buffer.readableBytes(), StandardCharsets.UTF_8);
    }

    @Override
    public ByteBuf serialize(String value, ByteBufAllocator allocator) {
        ByteBuf out = allocator.buffer(ByteBufUtil.utf8MaxBytes(value));
        ByteBufUtil.writeUtf8(out, value);
        return out;
    }
}
