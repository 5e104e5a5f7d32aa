package io.skein.shm.ipc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The control-socket events, byte for byte as shmipc-go v0.2.0 writes them, and the checks on what arrives. */
class ControlEventsTest {

    private static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    private static byte[] bytes(ByteBuf b) {
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    @Test
    void aBareEventIsItsEightByteBigEndianHeader() {
        assertArrayEquals(new byte[] {0, 0, 0, 8, 0x77, 0x58, 3, 1},
                bytes(ControlEvents.bare(ALLOC, 3, ControlEvents.POLLING)));
        assertArrayEquals(new byte[] {0, 0, 0, 8, 0x77, 0x58, 3, 4},
                bytes(ControlEvents.bare(ALLOC, 3, ControlEvents.EXCHANGE_PROTO_VERSION)));
    }

    @Test
    void sharedMemoryPathsRoundTripWithTheirLengthPrefixes() {
        ByteBuf e = ControlEvents.sharedMemory(ALLOC, 2, ControlEvents.SHARE_MEMORY_BY_FILE_PATH, "/dev/shm/q", "/dev/shm/bü");
        try {
            assertEquals(e.readableBytes(), ControlEvents.length(e));
            assertEquals(2, ControlEvents.version(e));
            assertEquals(ControlEvents.SHARE_MEMORY_BY_FILE_PATH, ControlEvents.type(e));
            assertNull(ControlEvents.invalid(e));
            assertEquals(10, e.getUnsignedShort(8));
            assertArrayEquals(new String[] {"/dev/shm/q", "/dev/shm/bü"}, ControlEvents.paths(e));
        } finally {
            e.release();
        }
    }

    @Test
    void aFallbackEventCountsItsPayloadInItsLengthAndAStreamCloseCarriesTheStreamId() {
        ByteBuf head = ControlEvents.fallbackHeader(ALLOC, 3, 7, 0, 100);
        try {
            assertEquals(ControlEvents.FALLBACK_HEADER, head.readableBytes());
            assertEquals(ControlEvents.FALLBACK_HEADER + 100, ControlEvents.length(head));
            assertEquals(7, head.getInt(8));
            assertEquals(0, head.getInt(12));
        } finally {
            head.release();
        }
        assertArrayEquals(new byte[] {0, 0, 0, 12, 0x77, 0x58, 3, 2, 0, 0, 0, 9},
                bytes(ControlEvents.streamClose(ALLOC, 3, 9)));
    }

    @Test
    void badMagicVersionZeroUnknownTypesAndShortBodiesAreNamedAsInvalid() {
        assertNotNull(ControlEvents.invalid(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 8, 0x12, 0x34, 3, 1})));
        assertNotNull(ControlEvents.invalid(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 8, 0x77, 0x58, 0, 1})));
        assertNotNull(ControlEvents.invalid(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 8, 0x77, 0x58, 3, 42})));
        assertNotNull(ControlEvents.invalid(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 10, 0x77, 0x58, 3, 3, 0, 1})),
                "fallback data without stream id and status");
        assertNotNull(ControlEvents.invalid(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 8, 0x77, 0x58, 3, 2})),
                "stream close without a stream id");
        assertNull(ControlEvents.invalid(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 8, 0x77, 0x58, 3, 1})));
    }

    @Test
    void pathLengthsThatRunPastTheEventYieldNoPaths() {
        ByteBuf e = Unpooled.buffer();
        e.writeInt(0).writeShort(ControlEvents.MAGIC).writeByte(2).writeByte(0);
        e.writeShort(200).writeBytes(new byte[10]);
        e.setInt(0, e.readableBytes());
        assertNull(ControlEvents.paths(e));
        ByteBuf second = Unpooled.buffer();
        second.writeInt(0).writeShort(ControlEvents.MAGIC).writeByte(2).writeByte(0);
        second.writeShort(1).writeByte('q').writeShort(500).writeByte('b');
        assertNull(ControlEvents.paths(second));
        assertNull(ControlEvents.paths(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 9, 0x77, 0x58, 2, 0, 1})));
    }

    @Test
    void aPathTooLongForItsLengthFieldIsNotEncoded() {
        assertThrows(IllegalArgumentException.class, () -> ControlEvents.sharedMemory(ALLOC, 2,
                ControlEvents.SHARE_MEMORY_BY_FILE_PATH, "q".repeat(70_000), "b"));
    }
}
