package io.skein.protocols.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntSupplier;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GrpcMessageDeframerTest {

    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    /** Messages of the sizes that matter: empty, tiny, around the copy threshold, several frames long. */
    private static List<byte[]> messages() {
        Random r = new Random(42);
        List<byte[]> out = new ArrayList<>();
        for (int size : new int[] {0, 1, 7, 100, GrpcMessageFramer.COPY_THRESHOLD, GrpcMessageFramer.COPY_THRESHOLD + 1,
                                   70_000}) {
            byte[] b = new byte[size];
            // Half random, half zeros: compressible but not trivially.
            for (int i = 0; i < size / 2; i++) {
                b[i] = (byte) r.nextInt();
            }
            out.add(b);
        }
        return out;
    }

    /** The wire bytes of the given messages framed by {@code framer}. */
    private static byte[] wire(GrpcMessageFramer framer, List<byte[]> messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] m : messages) {
            ByteBuf in = ALLOC.buffer(m.length).writeBytes(m);
            ByteBuf framed = framer.frame(in);
            out.writeBytes(ByteBufUtil.getBytes(framed));
            framed.release();
            assertEquals(0, in.refCnt(), "the framer released (or handed over) its input");
        }
        return out.toByteArray();
    }

    private static ByteBuf buf(byte[] bytes, int from, int to) {
        return ALLOC.buffer(to - from).writeBytes(bytes, from, to - from);
    }

    /** Feeds {@code bytes} in pieces of the sizes {@code split} yields and collects the messages. */
    private static List<byte[]> deframe(GrpcMessageDeframer d, byte[] bytes, IntSupplier split) {
        List<byte[]> got = new ArrayList<>();
        int pos = 0;
        while (pos < bytes.length) {
            int n = Math.min(bytes.length - pos, Math.max(1, split.getAsInt()));
            d.feed(buf(bytes, pos, pos + n));
            pos += n;
            for (ByteBuf m; (m = d.poll()) != null; ) {
                got.add(ByteBufUtil.getBytes(m));
                m.release();
            }
        }
        return got;
    }

    @ParameterizedTest
    @EnumSource(GrpcCompression.class)
    void roundTripsOneByteAtATime(GrpcCompression compression) {
        // Without the 70 KB message: PARANOID leak tracking makes a million one-byte buffers slow.
        List<byte[]> messages = messages().subList(0, 6);
        roundTrip(compression, messages, () -> 1);
        roundTrip(compression, messages, () -> 2);
        roundTrip(compression, messages, () -> 5); // exactly a header
    }

    @ParameterizedTest
    @EnumSource(GrpcCompression.class)
    void roundTripsAcrossLargerSplits(GrpcCompression compression) {
        Random r = new Random(7);
        roundTrip(compression, messages(), () -> 16_384);          // HTTP/2's default max frame size
        roundTrip(compression, messages(), () -> Integer.MAX_VALUE); // all at once
        roundTrip(compression, messages(), () -> 1 + r.nextInt(300));
        roundTrip(compression, messages(), () -> 1 + r.nextInt(20_000));
    }

    private static void roundTrip(GrpcCompression compression, List<byte[]> messages,
                                  IntSupplier split) {
        byte[] bytes = wire(new GrpcMessageFramer(ALLOC, compression, Integer.MAX_VALUE - 5), messages);
        try (GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, compression, 1 << 20)) {
            List<byte[]> got = deframe(d, bytes, split);
            assertEquals(messages.size(), got.size());
            for (int i = 0; i < messages.size(); i++) {
                assertArrayEquals(messages.get(i), got.get(i), "message " + i);
            }
            assertEquals(bytes.length, d.bytesConsumed());
            assertEquals(messages.size(), d.messagesRead());
            assertFalse(d.hasPartialMessage());
            assertEquals(0, d.bufferedBytes());
            d.endOfStream();
            assertTrue(d.isEnded());
        }
    }

    @Test
    void decodeHandsMessagesToTheSinkInOrder() {
        byte[] bytes = wire(new GrpcMessageFramer(ALLOC), List.of(new byte[] {1}, new byte[] {2, 2}, new byte[] {3}));
        try (GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, (CharSequence) null, 100)) {
            List<String> got = new ArrayList<>();
            assertEquals(0, d.decode(buf(bytes, 0, 4), m -> got.add(consume(m))));
            assertEquals(2, d.decode(buf(bytes, 4, 13), m -> got.add(consume(m))));
            assertEquals(1, d.decode(buf(bytes, 13, bytes.length), m -> got.add(consume(m))));
            assertEquals(List.of("01", "0202", "03"), got);
        }
    }

    private static String consume(ByteBuf m) {
        String hex = ByteBufUtil.hexDump(m);
        m.release();
        return hex;
    }

    @Test
    void gzipStreamMayCarryUncompressedMessages() {
        GrpcMessageFramer framer = new GrpcMessageFramer(ALLOC, GrpcCompression.GZIP, 1000);
        ByteBuf a = framer.frame(ALLOC.buffer().writeBytes(new byte[] {9, 9}), false);
        ByteBuf b = framer.frame(ALLOC.buffer().writeBytes(new byte[] {8}));
        assertEquals(0, a.getByte(0));
        assertEquals(1, b.getByte(0));
        try (GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, "gzip", 1000)) {
            assertFalse(d.wasCompressed(), "no message yet");
            d.feed(a);
            d.feed(b);
            assertEquals("0909", consume(d.poll()));
            assertFalse(d.wasCompressed(), "the first message came with flag 0");
            assertEquals("08", consume(d.poll()));
            assertTrue(d.wasCompressed(), "the second message came compressed");
            assertNull(d.poll());
        }
    }

    @Test
    void oversizedMessageFailsAsSoonAsItsHeaderArrives() {
        try (GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, GrpcCompression.IDENTITY, 100)) {
            ByteBuf header = ALLOC.buffer();
            GrpcMessageFramer.writeHeader(header, false, 101);
            d.feed(header);
            StatusException e = assertThrows(StatusException.class, d::poll);
            assertEquals(StatusCode.RESOURCE_EXHAUSTED, e.code());
            assertEquals("gRPC message exceeds maximum size 100: 101", e.status().message());
            assertEquals(0, d.bufferedBytes());
            // Failed for good: input is still released, the same status comes back.
            ByteBuf more = ALLOC.buffer().writeZero(10);
            assertEquals(StatusCode.RESOURCE_EXHAUSTED, assertThrows(StatusException.class, () -> d.feed(more)).code());
            assertEquals(0, more.refCnt());
            assertEquals(StatusCode.RESOURCE_EXHAUSTED, d.failure().code());
        }
        // Exactly the limit is fine; a 4 GiB length is just too large, not negative.
        try (GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, GrpcCompression.IDENTITY, 100)) {
            d.feed(new GrpcMessageFramer(ALLOC).frame(ALLOC.buffer().writeZero(100)));
            ByteBuf m = d.poll();
            assertEquals(100, m.readableBytes());
            m.release();
            d.feed(ALLOC.buffer().writeBytes(new byte[] {0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}));
            StatusException e = assertThrows(StatusException.class, d::poll);
            assertEquals("gRPC message exceeds maximum size 100: 4294967295", e.status().message());
        }
    }

    @Test
    void decompressedSizeIsLimitedWhileInflating() throws IOException {
        // 64 MiB of zeros gzip to about 64 KiB: a zip bomb against a 1 MiB limit.
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                out.write(zeros);
            }
        }
        byte[] compressed = gz.toByteArray();
        ByteBuf frame = ALLOC.buffer();
        GrpcMessageFramer.writeHeader(frame, true, compressed.length);
        frame.writeBytes(compressed);
        try (GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, "gzip", 1 << 20)) {
            d.feed(frame);
            StatusException e = assertThrows(StatusException.class, d::poll);
            assertEquals(StatusCode.RESOURCE_EXHAUSTED, e.code());
            assertEquals("Decompressed gRPC message exceeds maximum size 1048576", e.status().message());
        }
        // A message that decompresses to exactly the limit passes.
        GrpcMessageFramer framer = new GrpcMessageFramer(ALLOC, GrpcCompression.GZIP, 1000);
        try (GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, GrpcCompression.GZIP, 1000)) {
            d.feed(framer.frame(ALLOC.buffer().writeZero(1000)));
            ByteBuf m = d.poll();
            assertEquals(1000, m.readableBytes());
            m.release();
            d.feed(framer.frame(ALLOC.buffer().writeZero(100)));
            // Over the limit by one byte after decompression.
            ByteBuf big = new GrpcMessageFramer(ALLOC, GrpcCompression.GZIP, 2000).frame(ALLOC.buffer().writeZero(1001));
            d.feed(big);
            consume(d.poll());
            assertEquals(StatusCode.RESOURCE_EXHAUSTED, assertThrows(StatusException.class, d::poll).code());
        }
    }

    @Test
    void compressedFlagWithoutCompressionIsInternal() {
        byte[] gz = wire(new GrpcMessageFramer(ALLOC, GrpcCompression.GZIP, 100), List.of(new byte[] {1, 2, 3}));
        for (CharSequence encoding : new CharSequence[] {null, "identity", "snappy"}) {
            try (GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, encoding, 100)) {
                d.feed(buf(gz, 0, gz.length));
                StatusException e = assertThrows(StatusException.class, d::poll);
                assertEquals(StatusCode.INTERNAL, e.code(), String.valueOf(encoding));
                assertTrue(e.status().message().startsWith("Can't decode compressed gRPC message"), e.getMessage());
            }
        }
        // An unsupported encoding does not matter as long as nothing is compressed.
        try (GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, "snappy", 100)) {
            d.feed(ALLOC.buffer().writeBytes(new byte[] {0, 0, 0, 0, 1, 42}));
            assertEquals("2a", consume(d.poll()));
        }
    }

    @Test
    void reservedFlagBitsAndCorruptGzipAreInternal() {
        try (GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, "gzip", 100)) {
            d.feed(ALLOC.buffer().writeBytes(new byte[] {2, 0, 0, 0, 0}));
            StatusException e = assertThrows(StatusException.class, d::poll);
            assertEquals(StatusCode.INTERNAL, e.code());
            assertTrue(e.getMessage().contains("reserved bits"), e.getMessage());
        }
        try (GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, "gzip", 100)) {
            d.feed(ALLOC.buffer().writeBytes(new byte[] {1, 0, 0, 0, 4, 1, 2, 3, 4}));
            StatusException e = assertThrows(StatusException.class, d::poll);
            assertEquals(StatusCode.INTERNAL, e.code());
            assertTrue(e.getMessage().contains("gzip"), e.getMessage());
        }
    }

    @Test
    void streamEndingInsideAMessageIsInternal() {
        byte[] bytes = wire(new GrpcMessageFramer(ALLOC), List.of(new byte[] {1, 2, 3}, new byte[] {4, 5, 6}));
        // Cut inside the second message's payload, then inside its header.
        for (int cut : new int[] {bytes.length - 1, 8 + 3, 8 + 1}) {
            try (GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, GrpcCompression.IDENTITY, 100)) {
                d.feed(buf(bytes, 0, cut));
                assertTrue(d.hasPartialMessage());
                StatusException e = assertThrows(StatusException.class, d::endOfStream);
                assertEquals(StatusCode.INTERNAL, e.code());
                assertTrue(e.getMessage().contains("incomplete message"), e.getMessage());
                assertEquals(0, d.bufferedBytes(), "released on failure");
            }
        }
        // Complete messages not yet polled are not partial, and can be polled after the end.
        try (GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, GrpcCompression.IDENTITY, 100)) {
            d.feed(buf(bytes, 0, bytes.length));
            assertFalse(d.hasPartialMessage());
            d.endOfStream();
            assertEquals("010203", consume(d.poll()));
            assertEquals("040506", consume(d.poll()));
            assertNull(d.poll());
            ByteBuf late = ALLOC.buffer().writeZero(1);
            assertThrows(IllegalStateException.class, () -> d.feed(late));
            assertEquals(0, late.refCnt());
        }
    }

    @Test
    void closeReleasesBufferedBytes() {
        GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, GrpcCompression.IDENTITY, 100);
        ByteBuf first = ALLOC.buffer().writeBytes(new byte[] {0, 0, 0, 0, 3, 1});
        d.feed(first);
        assertEquals(1, first.refCnt(), "adopted while it is all there is");
        ByteBuf second = ALLOC.buffer().writeBytes(new byte[] {2});
        d.feed(second);
        assertEquals(0, first.refCnt());
        assertEquals(0, second.refCnt());
        assertEquals(7, d.bufferedBytes());
        d.close();
        assertEquals(0, d.bufferedBytes());
        assertNull(d.poll());
        d.close(); // idempotent
        ByteBuf late = ALLOC.buffer().writeZero(1);
        assertThrows(IllegalStateException.class, () -> d.feed(late));
        assertEquals(0, late.refCnt());
    }

    @Test
    void closeReleasesAnAdoptedInputThatMessagesStillShare() {
        GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, GrpcCompression.IDENTITY, 100);
        ByteBuf in = ALLOC.buffer().writeBytes(new byte[] {0, 0, 0, 0, 1, 7, 0, 0});
        d.feed(in);
        ByteBuf m = d.poll();
        assertEquals("07", ByteBufUtil.hexDump(m));
        d.close();
        assertEquals(1, in.refCnt(), "the message slice still holds it");
        m.release();
        assertEquals(0, in.refCnt());
    }

    @Test
    void neverWritesIntoTheCallersBuffer() {
        // A duplicate shares memory past its writer index; appending must not go there.
        ByteBuf parent = ALLOC.buffer(64).writeBytes(new byte[] {0, 0, 0, 0, 4, 1, 2});
        parent.setBytes(7, new byte[] {(byte) 0xEE, (byte) 0xEE, (byte) 0xEE});
        try (GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, GrpcCompression.IDENTITY, 100)) {
            d.feed(parent.retainedDuplicate());
            d.feed(ALLOC.buffer().writeBytes(new byte[] {3, 4}));
            assertEquals("01020304", consume(d.poll()));
        }
        assertEquals((byte) 0xEE, parent.getByte(7));
        assertEquals((byte) 0xEE, parent.getByte(9));
        parent.release();
    }

    @Test
    void manySmallMessagesDoNotGrowTheBuffer() {
        // Every feed straddles a message boundary, so the cumulation is never empty; space is reclaimed.
        byte[] one = wire(new GrpcMessageFramer(ALLOC), List.of(new byte[] {1, 2, 3}));
        try (GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, GrpcCompression.IDENTITY, 100)) {
            d.feed(buf(one, 0, 4));
            for (int i = 0; i < 10_000; i++) {
                ByteBuf next = ALLOC.buffer(8);
                next.writeBytes(one, 4, 4).writeBytes(one, 0, 4);
                d.feed(next);
                assertEquals("010203", consume(d.poll()));
                assertTrue(d.bufferedBytes() < 8);
            }
            assertEquals(10_000, d.messagesRead());
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new GrpcMessageDeframer(ALLOC, GrpcCompression.GZIP, -1));
        assertThrows(NullPointerException.class, () -> new GrpcMessageDeframer(null, GrpcCompression.GZIP, 1));
        try (GrpcMessageDeframer d = new GrpcMessageDeframer(ALLOC, GrpcCompression.GZIP, 1)) {
            assertThrows(NullPointerException.class, () -> d.feed(null));
            d.feed(ALLOC.buffer(0)); // empty frames are fine
            assertNull(d.poll());
        }
    }
}
