package io.skein.protocols.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.frame.SkeinFrame.UnaryRequest;
import io.skein.protocols.frame.SkeinFrame.UnaryResponse;
import io.skein.protocols.kitex.KitexBizStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Byte vectors derived by hand from the TTHeader spec and Kitex's codecs
 * ({@code gopkg/protocol/ttheader/encode.go}, {@code kitex/pkg/remote/codec/protobuf/protobuf.go}):
 * the encoder must produce them byte for byte, and the decoder must read them back field by field.
 */
class SkeinFrameVectorsTest {

    /** Protobuf {@code field 1 (string) = "hi"}. */
    private static final String BODY = "0a026869";

    /** (a) A Kitex TTHeader + protobuf unary Call with ToMethod, isn, RPCTimeout and a metainfo key. */
    private static final String CALL = hex(
            "00000066",                             // LENGTH = 102 (14 + 68 header + 24 payload - 4)
            "1000", "0000",                         // HEADER MAGIC, FLAGS
            "00000001",                             // SEQUENCE ID = stream 1
            "0011",                                 // HEADER SIZE = 17 words = 68 bytes
            "00", "00",                             // PROTOCOL ID 0 (what Kitex writes for protobuf), 0 transforms
            "01", "0002",                           // STRKV, 2 entries
            "0003", "69736e",                       //   key "isn"
            "0010", "6563686f2e4563686f53657276696365", // value "echo.EchoService"
            "000d", "5250435f5452414e5349545f6b",   //   key "RPC_TRANSIT_k"
            "0001", "76",                           //   value "v"
            "10", "0002",                           // INTKV, 2 entries
            "0009", "0004", "4563686f",             //   ToMethod (9) = "Echo"
            "000c", "0004", "31303030",             //   RPCTimeout (12) = "1000"
            "000000",                               // padding: 65 -> 68 bytes
            "00000014",                             // Kitex framed length = 20
            "90010001",                             // protobuf magic 0x9001 | Call (1)
            "00000004", "4563686f",                 // method "Echo"
            "00000001",                             // seq id
            BODY);                                  // protobuf body

    /** (b) The Reply, with one response metadata value (sent bare, as Kitex backward values are). */
    private static final String REPLY = hex(
            "00000032",                             // LENGTH = 50
            "1000", "0000",                         // HEADER MAGIC, FLAGS
            "00000001",                             // SEQUENCE ID
            "0004",                                 // HEADER SIZE = 4 words = 16 bytes
            "00", "00",                             // PROTOCOL ID, transforms
            "01", "0001",                           // STRKV, 1 entry
            "0002", "726b",                         //   key "rk"
            "0002", "7276",                         //   value "rv"
            "000000",                               // padding: 13 -> 16
            "00000014",                             // framed length = 20
            "90010002",                             // magic | Reply (2)
            "00000004", "4563686f",                 // method "Echo"
            "00000001",                             // seq id
            BODY);

    /**
     * (c) An Exception for a status that was not raised (the runtime's own):
     * ErrorProto{TypeID: 6, Message: "no such key"} plus skein-status = 5 (NOT_FOUND).
     */
    private static final String EXCEPTION = hex(
            "00000045",                             // LENGTH = 69
            "1000", "0000",                         // HEADER MAGIC, FLAGS
            "00000001",                             // SEQUENCE ID
            "0006",                                 // HEADER SIZE = 6 words = 24 bytes
            "00", "00",                             // PROTOCOL ID, transforms
            "01", "0001",                           // STRKV, 1 entry
            "000c", "736b65696e2d737461747573",     //   key "skein-status"
            "0001", "35",                           //   value "5"
            "0000",                                 // padding: 22 -> 24
            "0000001f",                             // framed length = 31
            "90010003",                             // magic | Exception (3)
            "00000004", "4563686f",                 // method "Echo"
            "00000001",                             // seq id
            "0806",                                 // ErrorProto field 1 (TypeID, varint) = 6 (InternalError)
            "120b", "6e6f2073756368206b6579");      // ErrorProto field 2 (Message) = "no such key"

    /** What a Kitex server sends for an unknown method: no Skein keys, MsgType INTKV. */
    private static final String KITEX_UNKNOWN_METHOD = hex(
            "0000003f",                             // LENGTH = 63
            "1000", "0000",                         // HEADER MAGIC, FLAGS
            "00000007",                             // SEQUENCE ID = 7
            "0003",                                 // HEADER SIZE = 3 words = 12 bytes
            "00", "00",                             // PROTOCOL ID, transforms
            "10", "0001",                           // INTKV, 1 entry
            "0016", "0001", "33",                   //   MsgType (22) = "3"
            "0000",                                 // padding: 10 -> 12
            "00000025",                             // framed length = 37
            "90010003",                             // magic | Exception
            "00000003", "466f6f",                   // method "Foo"
            "00000007",                             // seq id
            "0801",                                 // TypeID = 1 (UnknownMethod)
            "1212", "756e6b6e6f776e206d6574686f6420466f6f"); // Message = "unknown method Foo"

    /**
     * (d) A status the service raised (NOT_FOUND "no such key") with response metadata rk=rv: a Reply
     * carrying a Kitex business status, the metadata also as biz-extra, the exact code in skein-status.
     */
    private static final String BUSINESS_STATUS = hex(
            "0000007e",                             // LENGTH = 126
            "1000", "0000",                         // HEADER MAGIC, FLAGS
            "00000001",                             // SEQUENCE ID
            "0018",                                 // HEADER SIZE = 24 words = 96 bytes
            "00", "00",                             // PROTOCOL ID, transforms
            "01", "0005",                           // STRKV, 5 entries
            "000a", "62697a2d737461747573",         //   key "biz-status"
            "0001", "35",                           //   value "5" (the canonical code)
            "000b", "62697a2d6d657373616765",       //   key "biz-message"
            "000b", "6e6f2073756368206b6579",       //   value "no such key"
            "0009", "62697a2d6578747261",           //   key "biz-extra"
            "000b", "7b22726b223a227276227d",       //   value {"rk":"rv"} (the transient response metadata)
            "000c", "736b65696e2d737461747573",     //   key "skein-status"
            "0001", "35",                           //   value "5"
            "0002", "726b", "0002", "7276",         //   "rk" = "rv" (bare: a backward value)
            "00",                                   // padding: 95 -> 96
            "00000010",                             // framed length = 16
            "90010002",                             // magic | Reply (2)
            "00000004", "4563686f",                 // method "Echo"
            "00000001");                            // seq id; no body

    /**
     * (e) Captured from a Kitex v0.16.3 server (interop/kitex) whose handler returned
     * {@code kerrors.NewBizStatusErrorWithExtra(10001, "over quota", {"limit": "10"})}.
     */
    private static final String KITEX_BUSINESS_STATUS = hex(
            "00000071",                             // LENGTH = 113
            "1000", "0000",                         // HEADER MAGIC, FLAGS
            "00000001",                             // SEQUENCE ID
            "0015",                                 // HEADER SIZE = 21 words = 84 bytes
            "00", "00",                             // PROTOCOL ID, transforms
            "01", "0003",                           // STRKV, 3 entries
            "000a", "62697a2d737461747573", "0005", "3130303031",       // biz-status = "10001"
            "000b", "62697a2d6d657373616765", "000a", "6f7665722071756f7461", // biz-message = "over quota"
            "0009", "62697a2d6578747261", "000e", "7b226c696d6974223a223130227d", // biz-extra = {"limit":"10"}
            "10", "0001", "0016", "0001", "32",     // INTKV MsgType (22) = "2" (Reply); 84 bytes, no padding
            "0000000f",                             // framed length = 15
            "90010002",                             // magic | Reply
            "00000003", "536179",                   // method "Say"
            "00000001");                            // seq id; empty body (kitex-generated Marshal of no result)

    @Test
    void encodesCall() {
        UnaryRequest call = new UnaryRequest(1, "echo.EchoService/Echo",
                                             Metadata.builder().put("k", "v").build(), 1000, body());
        assertEncodes(CALL, call);
    }

    @Test
    void decodesCall() {
        SkeinFrame frame = decode(CALL);
        UnaryRequest r = assertInstanceOf(UnaryRequest.class, frame);
        try {
            assertEquals(1, r.streamId());
            assertEquals("echo.EchoService/Echo", r.method());
            assertEquals(Metadata.builder().put("k", "v").build(), r.metadata());
            assertEquals(1000, r.timeoutMillis());
            assertEquals(BODY, ByteBufUtil.hexDump(r.payload()));
        } finally {
            r.release();
        }
    }

    @Test
    void encodesReply() {
        UnaryResponse reply = new UnaryResponse(1, "echo.EchoService/Echo", Status.OK,
                                                Metadata.builder().put("rk", "rv").build(), body());
        assertEncodes(REPLY, reply);
    }

    @Test
    void decodesReply() {
        UnaryResponse r = assertInstanceOf(UnaryResponse.class, decode(REPLY));
        try {
            assertEquals(1, r.streamId());
            assertEquals("Echo", r.method()); // a response names no IDL service
            assertEquals(Status.OK, r.status());
            assertEquals(Metadata.builder().put("rk", "rv").build(), r.metadata());
            assertEquals(BODY, ByteBufUtil.hexDump(r.payload()));
        } finally {
            r.release();
        }
    }

    @Test
    void encodesAStatusThatWasNotRaisedAsAnException() {
        UnaryResponse error = new UnaryResponse(1, "echo.EchoService/Echo",
                                                Status.of(StatusCode.NOT_FOUND, "no such key"), Metadata.EMPTY,
                                                Unpooled.EMPTY_BUFFER);
        assertEncodes(EXCEPTION, error);
    }

    @Test
    void decodesException() {
        UnaryResponse r = assertInstanceOf(UnaryResponse.class, decode(EXCEPTION));
        assertEquals(1, r.streamId());
        assertEquals("Echo", r.method());
        assertEquals(Status.of(StatusCode.NOT_FOUND, "no such key"), r.status());
        assertEquals(Metadata.EMPTY, r.metadata());
        assertEquals(0, r.payload().readableBytes());
    }

    @Test
    void decodesKitexExceptionWithoutSkeinStatus() {
        UnaryResponse r = assertInstanceOf(UnaryResponse.class, decode(KITEX_UNKNOWN_METHOD));
        assertEquals(7, r.streamId());
        assertEquals("Foo", r.method());
        assertEquals(Status.of(StatusCode.UNIMPLEMENTED, "unknown method Foo"), r.status());
        assertEquals(Metadata.EMPTY, r.metadata());
    }

    @Test
    void encodesARaisedStatusAsABusinessStatusReply() {
        Status raised = Status.fromThrowable(Status.of(StatusCode.NOT_FOUND, "no such key").asException());
        UnaryResponse error = new UnaryResponse(1, "echo.EchoService/Echo", raised,
                                                Metadata.builder().put("rk", "rv").build(), Unpooled.EMPTY_BUFFER);
        assertEncodes(BUSINESS_STATUS, error);
    }

    @Test
    void decodesASkeinBusinessStatusAsTheExactStatusWithoutTheBizKeys() {
        UnaryResponse r = assertInstanceOf(UnaryResponse.class, decode(BUSINESS_STATUS));
        assertEquals(1, r.streamId());
        assertEquals(Status.of(StatusCode.NOT_FOUND, "no such key"), r.status());
        assertEquals(Metadata.builder().put("rk", "rv").build(), r.metadata());
        assertEquals(0, r.payload().readableBytes());
    }

    @Test
    void decodesAKitexBusinessStatusAsUnknownAndKeepsItsCodeMessageAndExtra() {
        UnaryResponse r = assertInstanceOf(UnaryResponse.class, decode(KITEX_BUSINESS_STATUS));
        assertEquals(1, r.streamId());
        assertEquals("Say", r.method());
        assertEquals(Status.of(StatusCode.UNKNOWN, "over quota"), r.status()); // 10001 is outside 1..16
        assertEquals(Metadata.builder().put("biz-status", "10001").put("biz-message", "over quota")
                .put("biz-extra", "{\"limit\":\"10\"}").build(), r.metadata());
        assertEquals(new KitexBizStatus(10001, "over quota", Map.of("limit", "10")),
                KitexBizStatus.fromMetadata(r.metadata()).orElseThrow());
        assertEquals(0, r.payload().readableBytes());
    }

    private static ByteBuf body() {
        return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(BODY));
    }

    private static void assertEncodes(String expectedHex, SkeinFrame frame) {
        ByteBuf out = Unpooled.buffer();
        try {
            SkeinFrameCodec.encode(frame, out);
            assertArrayEquals(ByteBufUtil.decodeHexDump(expectedHex), ByteBufUtil.getBytes(out),
                              () -> "expected " + expectedHex + "\n  actual " + ByteBufUtil.hexDump(out));
        } finally {
            out.release();
            if (frame instanceof PayloadFrame p) {
                p.release();
            }
        }
    }

    private static SkeinFrame decode(String hex) {
        ByteBuf in = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
        try {
            SkeinFrame frame = SkeinFrameCodec.decode(in);
            assertEquals(0, in.readableBytes());
            return frame;
        } finally {
            in.release();
        }
    }

    static String hex(String... parts) {
        return String.join("", parts);
    }
}
