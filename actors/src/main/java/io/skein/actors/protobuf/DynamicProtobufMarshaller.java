package io.skein.actors.protobuf;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.skein.transport.Marshaller;
import io.skein.transport.MethodDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Marshals protobuf messages known only by their {@link Descriptors.Descriptor} (no generated class),
 * such as types learnt at run time through server reflection. Parses into {@link DynamicMessage};
 * serializes any {@link Message} of the type.
 */
public final class DynamicProtobufMarshaller implements Marshaller<Message> {

    private final Descriptors.Descriptor type;

    private DynamicProtobufMarshaller(Descriptors.Descriptor type) {
        this.type = type;
    }

    /** A marshaller for messages of {@code type}. */
    public static DynamicProtobufMarshaller of(Descriptors.Descriptor type) {
        return new DynamicProtobufMarshaller(requireNonNull(type, "type"));
    }

    /** The message type. */
    public Descriptors.Descriptor type() {
        return type;
    }

    /** The transport descriptor of {@code method}, with dynamic marshallers for its input and output types. */
    public static MethodDescriptor<Message, Message> descriptor(Descriptors.MethodDescriptor method) {
        requireNonNull(method, "method");
        return new MethodDescriptor<>(ProtoMethods.fullName(method), ProtoMethods.kind(method),
                of(method.getInputType()), of(method.getOutputType()));
    }

    @Override
    public Message parse(ByteBuf buffer) throws IOException {
        if (buffer.nioBufferCount() == 1) {
            ByteBuffer nio = buffer.nioBuffer();
            return DynamicMessage.parseFrom(type, CodedInputStream.newInstance(nio));
        }
        try (ByteBufInputStream in = new ByteBufInputStream(buffer.duplicate())) {
            return DynamicMessage.parseFrom(type, in);
        }
    }

    @Override
    public ByteBuf serialize(Message value, ByteBufAllocator allocator) {
        if (!value.getDescriptorForType().getFullName().equals(type.getFullName())) {
            throw new IllegalArgumentException("expected a " + type.getFullName() + ", got a "
                    + value.getDescriptorForType().getFullName());
        }
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
