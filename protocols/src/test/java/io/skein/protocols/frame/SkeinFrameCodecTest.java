package io.skein.protocols.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.frame.SkeinFrame.GoAway;
import io.skein.protocols.frame.SkeinFrame.StreamCredit;
import io.skein.protocols.frame.SkeinFrame.StreamHalfClose;
import io.skein.protocols.frame.SkeinFrame.StreamHeaders;
import io.skein.protocols.frame.SkeinFrame.StreamMessage;
import io.skein.protocols.frame.SkeinFrame.StreamOpen;
import io.skein.protocols.frame.SkeinFrame.StreamReset;
import io.skein.protocols.frame.SkeinFrame.StreamTrailers;
import io.skein.protocols.frame.SkeinFrame.UnaryRequest;
import io.skein.protocols.frame.SkeinFrame.UnaryResponse;
import io.skein.protocols.ttheader.TTHeader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SkeinFrameCodecTest {

    private static final Metadata MD = Metadata.builder()
            .put("trace", "abc").put("isn", "reserved-looking").put("RPC_odd", "x").put("ünï", "cødé ✓")
            .putPersistent("tenant", "t1").build();

    private static List<SkeinFrame> samples() {
        return List.of(
                new UnaryRequest(1, "pkg.Echo/Say", MD, 250, bytes("hello")),
                new UnaryRequest(3, "Say", Metadata.EMPTY, SkeinFrame.NO_TIMEOUT, bytes("")),
                new UnaryResponse(1, "pkg.Echo/Say", Status.OK, MD, bytes("world")),
                new UnaryResponse(5, "Say", Status.of(StatusCode.RESOURCE_EXHAUSTED, "slow down ✓"), MD,
                                  Unpooled.EMPTY_BUFFER),
                new UnaryResponse(7, "Say", Status.of(StatusCode.UNIMPLEMENTED), Metadata.EMPTY,
                                  Unpooled.EMPTY_BUFFER),
                // Raised by a service: a Kitex business status on the wire, read back exactly.
                new UnaryResponse(7, "pkg.Echo/Say",
                                  Status.fromThrowable(Status.of(StatusCode.NOT_FOUND, "gone ✓").asException()), MD,
                                  Unpooled.EMPTY_BUFFER),
                new StreamOpen(9, "pkg.Echo/Chat", CallKind.BIDI_STREAMING, MD, 1500, 32),
                new StreamOpen(11, "Chat", CallKind.SERVER_STREAMING, Metadata.EMPTY, SkeinFrame.NO_TIMEOUT, 0),
                new StreamHeaders(9, MD),
                new StreamHeaders(9, Metadata.EMPTY),
                new StreamMessage(9, bytes("m1")),
                new StreamMessage(9, bytes("")),
                new StreamHalfClose(9),
                new StreamTrailers(9, Status.OK, MD),
                new StreamTrailers(9, Status.of(StatusCode.ABORTED, "gone"), Metadata.EMPTY),
                new StreamReset(13, StatusCode.CANCELLED, "client cancelled"),
                new StreamReset(13, StatusCode.DEADLINE_EXCEEDED, ""),
                new StreamCredit(9, 16),
                new StreamCredit(-5, Integer.MAX_VALUE),
                new GoAway(-2, "shutting down"),
                new GoAway(0, ""));
    }

    private static SkeinFrame expectedAfterDecode(SkeinFrame f) {
        // A response names no IDL service on the wire: the decoder sees just the method.
        if (f instanceof UnaryResponse r) {
            String m = r.method().substring(r.method().lastIndexOf('/') + 1);
            return new UnaryResponse(r.streamId(), m, r.status(), r.metadata(), r.payload());
        }
        return f;
    }

    @Test
    void roundTripsEveryFrameKind() {
        for (SkeinFrame frame : samples()) {
            EmbeddedChannel ch = channel(1 << 20);
            SkeinFrame expected = expectedAfterDecode(frame);
            String expectedPayload = payloadHex(frame);
            assertTrue(ch.writeOutbound(frame));
            if (frame instanceof PayloadFrame p && p.payload() != Unpooled.EMPTY_BUFFER) {
                assertEquals(0, p.refCnt(), "the encoder must release " + frame);
            }
            ByteBuf encoded = ch.readOutbound();
            assertTrue(TTHeader.isTTHeader(encoded));
            assertTrue(ch.writeInbound(encoded));
            SkeinFrame decoded = ch.readInbound();
            try {
                assertSameFrame(expected, expectedPayload, decoded);
            } finally {
                release(decoded);
            }
            assertFalse(ch.finishAndReleaseAll());
        }
    }

    @Test
    void decodesOneByteAtATime() {
        EmbeddedChannel ch = channel(1 << 20);
        ByteBuf all = encodeAll(samples());
        for (int i = 0; i < all.readableBytes(); i++) {
            ch.writeInbound(all.retainedSlice(i, 1));
        }
        all.release();
        assertAllDecoded(ch);
    }

    @Test
    void decodesManyFramesFromOneBuffer() {
        EmbeddedChannel ch = channel(1 << 20);
        ch.writeInbound(encodeAll(samples()));
        assertAllDecoded(ch);
    }

    private static void assertAllDecoded(EmbeddedChannel ch) {
        List<SkeinFrame> samples = samples();
        for (SkeinFrame frame : samples) {
            SkeinFrame decoded = ch.readInbound();
            try {
                assertSameFrame(expectedAfterDecode(frame), payloadHex(frame), decoded);
            } finally {
                release(decoded);
                release(frame);
            }
        }
        assertNull(ch.readInbound());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void rejectsWrongMagic() {
        ByteBuf frame = encode(new StreamHalfClose(1));
        frame.setShort(4, 0x1001);
        CorruptedFrameException e = assertDecodeFails(CorruptedFrameException.class, frame, 1 << 20);
        assertTrue(e.getMessage().contains("magic 0x1001"), e.getMessage());
    }

    @Test
    void rejectsHttp2Preface() {
        ByteBuf preface = Unpooled.copiedBuffer("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", StandardCharsets.US_ASCII);
        assertDecodeFails(CorruptedFrameException.class, preface, 1 << 20);
    }

    @Test
    void rejectsHeaderSizeLargerThanFrame() {
        ByteBuf frame = encode(new StreamCredit(3, 1));
        frame.setShort(12, 0x00FF);
        CorruptedFrameException e = assertDecodeFails(CorruptedFrameException.class, frame, 1 << 20);
        assertTrue(e.getMessage().contains("stream 3") && e.getMessage().contains("HEADER SIZE"), e.getMessage());
    }

    @Test
    void rejectsLengthOverMax() {
        ByteBuf frame = encode(new StreamMessage(3, bytes("x".repeat(200))));
        TooLongFrameException e = assertDecodeFails(TooLongFrameException.class, frame, 100);
        assertTrue(e.getMessage().contains("limit of 100"), e.getMessage());
    }

    @Test
    void rejectsLengthOverMaxBeforeTheFrameArrives() {
        EmbeddedChannel ch = channel(1024);
        ByteBuf head = Unpooled.buffer().writeInt(1 << 24).writeShort(TTHeader.MAGIC);
        assertThrows(TooLongFrameException.class, () -> ch.writeInbound(head));
        // The decoder is finished: later bytes are dropped, not parsed.
        ch.writeInbound(encode(new StreamHalfClose(1)));
        assertNull(ch.readInbound());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void rejectsTruncatedInfoSection() {
        // StreamCredit header: ... 10 0002 | e000 0001 37 | e002 0001 31 | pad. Claim 3 entries instead.
        ByteBuf frame = encode(new StreamCredit(3, 1));
        frame.setShort(TTHeader.FIXED_HEADER_SIZE + 3, 3);
        CorruptedFrameException e = assertDecodeFails(CorruptedFrameException.class, frame, 1 << 20);
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void rejectsUnknownInfoId() {
        ByteBuf frame = encode(new StreamCredit(3, 1));
        frame.setByte(TTHeader.FIXED_HEADER_SIZE + 2, 0x42);
        CorruptedFrameException e = assertDecodeFails(CorruptedFrameException.class, frame, 1 << 20);
        assertTrue(e.getMessage().contains("unknown info id 0x42"), e.getMessage());
    }

    @Test
    void rejectsGarbagePayloadEnvelope() {
        ByteBuf frame = encode(new UnaryRequest(5, "Say", Metadata.EMPTY, 0, bytes("hi")));
        int payloadStart = TTHeader.FIXED_HEADER_SIZE + frame.getUnsignedShort(12) * 4;
        frame.setInt(payloadStart + 4, 0xDEADBEEF);
        CorruptedFrameException e = assertDecodeFails(CorruptedFrameException.class, frame, 1 << 20);
        assertTrue(e.getMessage().contains("stream 5") && e.getMessage().contains("0xdeadbeef"), e.getMessage());
    }

    @Test
    void rejectsWrongFramedLength() {
        ByteBuf frame = encode(new UnaryRequest(5, "Say", Metadata.EMPTY, 0, bytes("hi")));
        int payloadStart = TTHeader.FIXED_HEADER_SIZE + frame.getUnsignedShort(12) * 4;
        frame.setInt(payloadStart, 1000);
        assertDecodeFails(CorruptedFrameException.class, frame, 1 << 20);
    }

    @Test
    void rejectsStreamFramesWithMissingOrGarbledFields() {
        ByteBuf credit = encode(new StreamCredit(3, 7));
        // The credit value "7" is the last byte before padding: 2 + 3 + 5 + 5 = 15 header bytes.
        credit.setByte(TTHeader.FIXED_HEADER_SIZE + 14, 'x');
        CorruptedFrameException e = assertDecodeFails(CorruptedFrameException.class, credit, 1 << 20);
        assertTrue(e.getMessage().contains("stream 3") && e.getMessage().contains("credits"), e.getMessage());

        ByteBuf open = encode(new StreamOpen(9, "Chat", CallKind.UNARY, Metadata.EMPTY, 0, 1));
        open.setShort(TTHeader.FIXED_HEADER_SIZE + 10, 0xE0FF); // CALL_KIND key -> unknown key
        e = assertDecodeFails(CorruptedFrameException.class, open, 1 << 20);
        assertTrue(e.getMessage().contains("stream 9") && e.getMessage().contains("call kind"), e.getMessage());

        ByteBuf type = encode(new StreamHalfClose(4));
        type.setByte(TTHeader.FIXED_HEADER_SIZE + 9, '9');
        e = assertDecodeFails(CorruptedFrameException.class, type, 1 << 20);
        assertTrue(e.getMessage().contains("unknown Skein frame type 9"), e.getMessage());

        ByteBuf onZero = encode(new StreamHalfClose(0));
        e = assertDecodeFails(CorruptedFrameException.class, onZero, 1 << 20);
        assertTrue(e.getMessage().contains("stream 0"), e.getMessage());
    }

    @Test
    void staticCodecRestoresBufferOnFailure() {
        ByteBuf out = Unpooled.buffer().writeByte(7);
        String huge = "v".repeat(70_000);
        assertThrows(IllegalArgumentException.class, () -> SkeinFrameCodec.encode(
                new StreamHeaders(1, Metadata.builder().put("k", huge).build()), out));
        assertEquals(1, out.writerIndex());
        out.release();
    }

    @Test
    void longResetReasonIsTruncatedNotFatal() {
        String reason = "é".repeat(40_000);
        ByteBuf buf = encode(new StreamReset(1, StatusCode.INTERNAL, reason));
        StreamReset r = (StreamReset) SkeinFrameCodec.decode(buf);
        buf.release();
        assertTrue(reason.startsWith(r.reason()) && r.reason().length() > 20_000);
    }

    @Test
    void acceptsKitexProtocolIdFourAndIgnoresUnknownKeys() {
        ByteBuf buf = encode(new UnaryRequest(5, "a.B/Say", Metadata.EMPTY, 0, bytes("hi")));
        buf.setByte(TTHeader.FIXED_HEADER_SIZE, TTHeader.PROTOCOL_KITEX_PROTOBUF);
        UnaryRequest r = assertInstanceOf(UnaryRequest.class, SkeinFrameCodec.decode(buf));
        buf.release();
        assertEquals("a.B/Say", r.method());
        r.release();
    }

    // ---------------------------------------------------------------- helpers

    private static EmbeddedChannel channel(int maxFrameSize) {
        return new EmbeddedChannel(new SkeinFrameEncoder(), new SkeinFrameDecoder(maxFrameSize));
    }

    private static <T extends Throwable> T assertDecodeFails(Class<T> type, ByteBuf input, int maxFrameSize) {
        EmbeddedChannel ch = channel(maxFrameSize);
        T e = assertThrows(type, () -> ch.writeInbound(input));
        assertNull(ch.readInbound());
        assertEquals(0, input.refCnt(), "the decoder must release what it was given");
        assertFalse(ch.finishAndReleaseAll());
        return e;
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private static ByteBuf encode(SkeinFrame frame) {
        ByteBuf out = Unpooled.buffer();
        SkeinFrameCodec.encode(frame, out);
        release(frame);
        return out;
    }

    private static ByteBuf encodeAll(List<SkeinFrame> frames) {
        ByteBuf out = Unpooled.buffer();
        for (SkeinFrame f : frames) {
            SkeinFrameCodec.encode(f, out);
        }
        return out;
    }

    private static String payloadHex(SkeinFrame f) {
        return f instanceof PayloadFrame p ? ByteBufUtil.hexDump(p.payload()) : "";
    }

    private static void release(SkeinFrame f) {
        if (f instanceof PayloadFrame p && p.refCnt() > 0) {
            p.release();
        }
    }

    private static void assertSameFrame(SkeinFrame expected, String expectedPayload, SkeinFrame actual) {
        assertEquals(expected.getClass(), actual.getClass());
        if (actual instanceof PayloadFrame p) {
            assertEquals(expectedPayload, ByteBufUtil.hexDump(p.payload()), "payload of " + expected);
            List<Object> e = components(expected);
            List<Object> a = components(actual);
            assertEquals(e, a);
        } else {
            assertEquals(expected, actual);
        }
    }

    private static List<Object> components(SkeinFrame f) {
        List<Object> c = new ArrayList<>();
        c.add(f.streamId());
        if (f instanceof UnaryRequest r) {
            c.add(r.method());
            c.add(r.metadata());
            c.add(r.timeoutMillis());
        } else if (f instanceof UnaryResponse r) {
            c.add(r.method());
            c.add(r.status());
            c.add(r.metadata());
        }
        return c;
    }
}
