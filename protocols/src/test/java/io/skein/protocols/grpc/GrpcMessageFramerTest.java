package io.skein.protocols.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class GrpcMessageFramerTest {

    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private static ByteBuf bytes(String s) {
        return ALLOC.buffer().writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void framesUncompressedMessages() {
        GrpcMessageFramer framer = new GrpcMessageFramer(ALLOC);
        ByteBuf in = bytes("abc");
        ByteBuf out = framer.frame(in);
        assertEquals(0, in.refCnt());
        assertEquals("0000000003616263", ByteBufUtil.hexDump(out));
        out.release();

        ByteBuf empty = framer.frame(ALLOC.buffer(0));
        assertEquals("0000000000", ByteBufUtil.hexDump(empty));
        empty.release();

        // Above the copy threshold the message is composed behind the header, not copied.
        byte[] big = new byte[GrpcMessageFramer.COPY_THRESHOLD + 10];
        big[0] = 7;
        ByteBuf bigIn = ALLOC.buffer().writeBytes(big);
        ByteBuf bigOut = framer.frame(bigIn);
        assertEquals(1, bigIn.refCnt(), "owned by the composite now");
        assertEquals(GrpcMessageFramer.HEADER_SIZE + big.length, bigOut.readableBytes());
        assertEquals(0, bigOut.getByte(0));
        assertEquals(big.length, bigOut.getInt(1));
        assertEquals(7, bigOut.getByte(5));
        bigOut.release();
        assertEquals(0, bigIn.refCnt());
    }

    @Test
    void framesOnlyTheReadableBytes() {
        ByteBuf in = bytes("xxabc");
        in.skipBytes(2);
        ByteBuf out = new GrpcMessageFramer(ALLOC).frame(in);
        assertEquals("0000000003616263", ByteBufUtil.hexDump(out));
        out.release();
    }

    @Test
    void gzipFramesAreStandardGzip() throws IOException {
        GrpcMessageFramer framer = new GrpcMessageFramer(ALLOC, GrpcCompression.GZIP, 1 << 20);
        assertSame(GrpcCompression.GZIP, framer.compression());
        byte[] message = "hello hello hello hello hello hello".getBytes(StandardCharsets.US_ASCII);
        ByteBuf in = ALLOC.buffer().writeBytes(message);
        ByteBuf out = framer.frame(in);
        assertEquals(0, in.refCnt());
        assertEquals(1, out.getByte(0));
        int length = out.getInt(1);
        assertEquals(out.readableBytes() - 5, length);
        byte[] compressed = new byte[length];
        out.getBytes(5, compressed);
        out.release();
        try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
            assertArrayEquals(message, gz.readAllBytes());
        }
    }

    @Test
    void oversizedMessageIsResourceExhaustedAndReleased() {
        for (GrpcCompression c : GrpcCompression.values()) {
            GrpcMessageFramer framer = new GrpcMessageFramer(ALLOC, c, 4);
            ByteBuf ok = framer.frame(bytes("abcd"));
            ok.release();
            ByteBuf in = bytes("abcde");
            StatusException e = assertThrows(StatusException.class, () -> framer.frame(in));
            assertEquals(StatusCode.RESOURCE_EXHAUSTED, e.code());
            assertEquals("gRPC message exceeds maximum size 4: 5", e.status().message());
            assertEquals(0, in.refCnt());
        }
    }

    @Test
    void writesHeaders() {
        ByteBuf out = ALLOC.buffer();
        GrpcMessageFramer.writeHeader(out, true, 0x01020304);
        GrpcMessageFramer.writeHeader(out, false, 0);
        assertEquals("01010203040000000000", ByteBufUtil.hexDump(out));
        out.release();
        ByteBuf unused = ALLOC.heapBuffer(0);
        assertThrows(IllegalArgumentException.class, () -> GrpcMessageFramer.writeHeader(unused, false, -1));
        assertEquals(0, unused.writerIndex());
        unused.release();
        assertThrows(IllegalArgumentException.class, () -> new GrpcMessageFramer(ALLOC, GrpcCompression.GZIP, -1));
    }

    @Test
    void compressionNames() {
        assertSame(GrpcCompression.IDENTITY, GrpcCompression.forName(null));
        assertSame(GrpcCompression.IDENTITY, GrpcCompression.forName(""));
        assertSame(GrpcCompression.IDENTITY, GrpcCompression.forName("identity"));
        assertSame(GrpcCompression.GZIP, GrpcCompression.forName("gzip"));
        assertSame(GrpcCompression.GZIP, GrpcCompression.forName(" GZip "));
        assertNull(GrpcCompression.forName("snappy"));
        assertNull(GrpcCompression.forName("deflate"));
        assertEquals("gzip", GrpcCompression.GZIP.encodingName());
        assertEquals("gzip", GrpcCompression.ACCEPT_ENCODING.toString());
    }
}
