package io.skein.actors.protobuf;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.skein.transport.Marshaller;
import io.skein.transport.MethodDescriptor;
import java.io.IOException;
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
        return ProtobufMarshaller.write(value, allocator);
    }
}
