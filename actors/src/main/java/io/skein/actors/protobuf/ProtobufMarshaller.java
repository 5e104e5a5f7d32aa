package io.skein.actors.protobuf;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.skein.transport.Marshaller;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Marshals protobuf messages straight between Netty buffers and message objects, without an
 * intermediate byte array.
 *
 * @param <T> the message type
 */
public final class ProtobufMarshaller<T extends MessageLite> implements Marshaller<T> {

    private final T defaultInstance;
    private final Parser<T> parser;

    @SuppressWarnings("unchecked")
    private ProtobufMarshaller(T defaultInstance) {
        this.defaultInstance = defaultInstance;
        this.parser = (Parser<T>) defaultInstance.getParserForType();
    }

    /** A marshaller for the type of {@code defaultInstance}. */
    public static <T extends MessageLite> ProtobufMarshaller<T> of(T defaultInstance) {
        return new ProtobufMarshaller<>(requireNonNull(defaultInstance, "defaultInstance"));
    }

    /** The message type's default instance. */
    public T defaultInstance() {
        return defaultInstance;
    }

    @Override
    public T parse(ByteBuf buffer) throws IOException {
        if (buffer.nioBufferCount() == 1) {
            ByteBuffer nio = buffer.nioBuffer();
            return parser.parseFrom(CodedInputStream.newInstance(nio));
        }
        try (ByteBufInputStream in = new ByteBufInputStream(buffer.duplicate())) {
            return parser.parseFrom(in);
        }
    }

    @Override
    public ByteBuf serialize(T value, ByteBufAllocator allocator) {
        return write(value, allocator);
    }

    /** Serializes any message straight into a new buffer of exactly its size; the caller owns it. */
    static ByteBuf write(MessageLite value, ByteBufAllocator allocator) {
        int size = value.getSerializedSize();
        ByteBuf buffer = allocator.buffer(size);
        try {
            ByteBuffer target = buffer.nioBuffer(buffer.writerIndex(), size);
            CodedOutputStream out = CodedOutputStream.newInstance(target);
            value.writeTo(out);
            out.checkNoSpaceLeft();
            buffer.writerIndex(buffer.writerIndex() + size);
            return buffer;
        } catch (IOException e) {
            buffer.release();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            buffer.release();
            throw e;
        }
    }
}
