package io.skein.actors.protobuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.skein.actors.testproto.Greet;
import org.junit.jupiter.api.Test;

class ProtobufMarshallerTest {

    private final ProtobufMarshaller<Greet.Hello> marshaller = ProtobufMarshaller.of(Greet.Hello.getDefaultInstance());
    private final Greet.Hello hello = Greet.Hello.newBuilder().setName("skein")
            .setNested(Greet.Hello.Nested.newBuilder().setN(42)).build();

    @Test
    void roundTripsThroughPooledDirectBuffers() throws Exception {
        ByteBuf buf = marshaller.serialize(hello, PooledByteBufAllocator.DEFAULT);
        try {
            assertEquals(hello.getSerializedSize(), buf.readableBytes());
            assertEquals(hello, marshaller.parse(buf));
        } finally {
            buf.release();
        }
    }

    @Test
    void parsesCompositeBuffers() throws Exception {
        byte[] bytes = hello.toByteArray();
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        composite.addComponent(true, Unpooled.wrappedBuffer(bytes, 0, 3));
        composite.addComponent(true, Unpooled.wrappedBuffer(bytes, 3, bytes.length - 3));
        try {
            assertEquals(hello, marshaller.parse(composite));
        } finally {
            composite.release();
        }
    }

    @Test
    void rejectsGarbage() {
        ByteBuf garbage = Unpooled.wrappedBuffer(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
        try {
            assertThrows(Exception.class, () -> marshaller.parse(garbage));
        } finally {
            garbage.release();
        }
    }
}
