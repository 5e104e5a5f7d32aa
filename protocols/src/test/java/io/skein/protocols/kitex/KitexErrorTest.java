package io.skein.protocols.kitex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.CorruptedFrameException;
import io.skein.protocols.StatusCode;
import org.junit.jupiter.api.Test;

class KitexErrorTest {

    @Test
    void roundTrips() {
        ByteBuf buf = Unpooled.buffer();
        KitexError.write(buf, -1, "bøom");
        KitexError.write(Unpooled.buffer(0), 0, ""); // writes nothing
        assertEquals(new KitexError(-1, "bøom"), KitexError.read(buf, 0, buf.readableBytes()));
        buf.release();
    }

    @Test
    void skipsUnknownFieldsAndRejectsGarbage() {
        // field 3 varint 1, field 4 fixed32, field 2 "x", field 1 = 20
        ByteBuf buf = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("1801" + "2501020304" + "120178" + "0814"));
        assertEquals(new KitexError(20, "x"), KitexError.read(buf, 0, buf.readableBytes()));
        buf.release();
        ByteBuf bad = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("1205ff"));
        assertThrows(CorruptedFrameException.class, () -> KitexError.read(bad, 0, bad.readableBytes()));
        bad.release();
    }

    @Test
    void mapsTypes() {
        assertEquals(StatusCode.UNIMPLEMENTED, KitexError.toStatusCode(KitexError.UNKNOWN_METHOD));
        assertEquals(StatusCode.UNIMPLEMENTED, KitexError.toStatusCode(KitexError.UNKNOWN_SERVICE));
        assertEquals(StatusCode.INTERNAL, KitexError.toStatusCode(KitexError.INTERNAL_ERROR));
        assertEquals(StatusCode.UNKNOWN, KitexError.toStatusCode(0));
        assertEquals(StatusCode.UNKNOWN, KitexError.toStatusCode(999));
        assertEquals(KitexError.UNKNOWN_METHOD, KitexError.typeIdOf(StatusCode.UNIMPLEMENTED));
        assertEquals(KitexError.PROTOCOL_ERROR, KitexError.typeIdOf(StatusCode.INVALID_ARGUMENT));
        assertEquals(KitexError.INTERNAL_ERROR, KitexError.typeIdOf(StatusCode.NOT_FOUND));
        assertEquals(KitexError.INTERNAL_ERROR, KitexError.typeIdOf(StatusCode.UNAVAILABLE));
    }
}
