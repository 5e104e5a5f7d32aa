package io.skein.protocols.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import java.util.List;
import org.junit.jupiter.api.Test;

class SkeinFrameHeaderTest {

    private static final byte[] PAYLOAD = "some protobuf bytes".getBytes();

    @Test
    void aHeaderFollowedByItsPayloadIsByteForByteTheEncodedFrame() {
        Metadata md = Metadata.builder().put("k", "v").putPersistent("p", "q").build();
        List<PayloadFrame> frames = List.of(
                new SkeinFrame.StreamMessage(3, Unpooled.wrappedBuffer(PAYLOAD)),
                new SkeinFrame.UnaryRequest(5, "echo.Echo/Say", md, 1500, Unpooled.wrappedBuffer(PAYLOAD)),
                new SkeinFrame.UnaryResponse(5, "echo.Echo/Say", Status.OK, md, Unpooled.wrappedBuffer(PAYLOAD)));
        for (PayloadFrame f : frames) {
            ByteBuf whole = Unpooled.buffer();
            SkeinFrameCodec.encode(f, whole);
            ByteBuf header = Unpooled.buffer();
            assertEquals(PAYLOAD.length, SkeinFrameCodec.encodeHeader(f, header));
            header.writeBytes(PAYLOAD);
            assertEquals(ByteBufUtil.hexDump(whole), ByteBufUtil.hexDump(header), f.getClass().getSimpleName());
        }
    }

    @Test
    void aFailedUnaryResponseIsAllHeaderAndWantsNoPayload() {
        SkeinFrame.UnaryResponse failed = new SkeinFrame.UnaryResponse(7, "echo.Echo/Say",
                Status.of(StatusCode.NOT_FOUND, "gone"), Metadata.EMPTY, Unpooled.EMPTY_BUFFER);
        ByteBuf whole = Unpooled.buffer();
        SkeinFrameCodec.encode(failed, whole);
        ByteBuf header = Unpooled.buffer();
        assertEquals(0, SkeinFrameCodec.encodeHeader(failed, header));
        assertEquals(ByteBufUtil.hexDump(whole), ByteBufUtil.hexDump(header));
    }
}
