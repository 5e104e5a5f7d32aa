package io.skein.protocols.ttheader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TTHeaderCodecTest {

    /** A frame as Kitex's gopkg encoder lays it out: ACL token, STRKV, INTKV, padding. */
    private static final String KITEX_FRAME = String.join("",
            "00000028",                 // LENGTH = 40 (14 + 28 + 2 - 4)
            "1000", "0001",             // MAGIC, FLAGS = support out of order
            "0000002a",                 // SEQUENCE ID = 42
            "0007",                     // HEADER SIZE = 7 words = 28 bytes
            "00", "00",                 // protocol id, transforms
            "11", "0002", "746b",       // ACL token "tk"
            "01", "0001",               // STRKV, 1 entry
            "0001", "61", "0001", "62", //   "a" = "b"
            "10", "0001",               // INTKV, 1 entry
            "0009", "0002", "4563",     //   ToMethod = "Ec"
            "000000",                   // padding: 25 -> 28
            "cafe");                    // payload

    @Test
    void decodesAndEncodesKitexLayout() {
        ByteBuf in = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(KITEX_FRAME));
        TTHeaderFrame f = TTHeaderCodec.decode(in, 1024);
        assertEquals(0, in.readableBytes());
        assertEquals(1, f.flags());
        assertEquals(42, f.seqId());
        assertEquals(Map.of(IntKey.TO_METHOD, "Ec"), f.intInfo());
        assertEquals(Map.of("a", "b", StrKey.GDPR_TOKEN, "tk"), f.strInfo());
        assertEquals("cafe", ByteBufUtil.hexDump(f.payload()));

        Map<String, String> str = new LinkedHashMap<>();
        str.put(StrKey.GDPR_TOKEN, "tk");
        str.put("a", "b");
        ByteBuf out = Unpooled.buffer();
        TTHeaderCodec.encode(new TTHeaderFrame(1, 42, 0, f.intInfo(), str, f.payload()), out);
        assertEquals(KITEX_FRAME, ByteBufUtil.hexDump(out));
        out.release();
        f.release();
        in.release();
    }

    @Test
    void waitsForCompleteFrame() {
        byte[] bytes = ByteBufUtil.decodeHexDump(KITEX_FRAME);
        ByteBuf in = Unpooled.wrappedBuffer(bytes, 0, bytes.length - 1);
        assertNull(TTHeaderCodec.decode(in, 1024));
        assertEquals(0, in.readerIndex());
        in.release();
    }

    @Test
    void validates() {
        assertFails(TooLongFrameException.class, KITEX_FRAME, 40, "exceeds the limit of 40");
        assertFails(CorruptedFrameException.class, KITEX_FRAME.replaceFirst("1000", "1001"), 1024, "magic");
        assertFails(CorruptedFrameException.class, KITEX_FRAME.replaceFirst("0007", "0009"), 1024, "HEADER SIZE");
        assertFails(CorruptedFrameException.class, KITEX_FRAME.replaceFirst("0007", "0000"), 1024, "HEADER SIZE is 0");
        assertFails(CorruptedFrameException.class, KITEX_FRAME.replaceFirst("00070000", "00070001"), 1024,
                    "transform");
        assertFails(CorruptedFrameException.class, KITEX_FRAME.replace("0009000245", "0009000945"), 1024,
                    "truncated");
        assertFails(CorruptedFrameException.class, KITEX_FRAME.replace("4563000000cafe", "4563770000cafe"), 1024,
                    "unknown info id 0x77");
    }

    private static void assertFails(Class<? extends Exception> type, String hex, int max, String text) {
        ByteBuf in = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
        Exception e = assertThrows(type, () -> TTHeaderCodec.decode(in, max));
        assertTrue(e.getMessage().contains(text), e.getMessage());
        assertEquals(0, in.readerIndex());
        in.release();
    }
}
