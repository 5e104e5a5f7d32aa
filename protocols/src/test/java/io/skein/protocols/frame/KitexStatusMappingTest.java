package io.skein.protocols.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.frame.SkeinFrame.StreamHeaders;
import io.skein.protocols.frame.SkeinFrame.UnaryRequest;
import io.skein.protocols.frame.SkeinFrame.UnaryResponse;
import io.skein.protocols.kitex.KitexBizStatus;
import io.skein.protocols.kitex.KitexEnvelope;
import io.skein.protocols.kitex.KitexError;
import io.skein.protocols.kitex.KitexProtobuf;
import io.skein.protocols.ttheader.IntKey;
import io.skein.protocols.ttheader.TTHeader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How unary statuses cross between Skein and Kitex ({@code docs/protocol.md} §3): a status a service
 * raised is a Kitex business status on a Reply, the runtime's own failures are Kitex exceptions, and
 * Skein peers read both back exactly.
 */
class KitexStatusMappingTest {

    private static final Metadata MD = Metadata.builder().put("rk", "rv").put("why", "a \"quoted\" <reason>")
            .putPersistent("tenant", "t1").build();

    @Test
    void everyRaisedStatusTravelsAsABusinessStatusAndComesBackExactly() {
        for (StatusCode code : StatusCode.values()) {
            if (code == StatusCode.OK) {
                continue;
            }
            Status raised = raised(code, "failed with " + code + " ✓");
            ByteBuf wire = encode(new UnaryResponse(3, "pkg.Echo/Say", raised, MD, Unpooled.EMPTY_BUFFER));
            try {
                KitexEnvelope env = envelope(wire);
                assertEquals(KitexProtobuf.REPLY, env.msgType(), code::name);
                assertEquals(0, env.bodyLength(), code::name);
                Map<String, String> strKv = strKv(wire);
                assertEquals(String.valueOf(code.value()), strKv.get("biz-status"));
                assertEquals(raised.message(), strKv.get("biz-message"));
                assertEquals(Map.of("rk", "rv", "why", "a \"quoted\" <reason>"),
                        KitexBizStatus.extraFromJson(strKv.get("biz-extra")));
                assertEquals(String.valueOf(code.value()), strKv.get("skein-status"));

                UnaryResponse back = assertInstanceOf(UnaryResponse.class, SkeinFrameCodec.decode(wire));
                assertEquals(raised, back.status());
                assertEquals(MD, back.metadata(), "a Skein client sees the metadata, not the biz-* keys");
            } finally {
                wire.release();
            }
        }
    }

    @Test
    void aRaisedStatusWithoutMetadataCarriesNoExtra() {
        ByteBuf wire = encode(new UnaryResponse(1, "Say", raised(StatusCode.NOT_FOUND, "boom"), Metadata.EMPTY,
                Unpooled.EMPTY_BUFFER));
        try {
            assertEquals(Map.of("biz-status", "5", "biz-message", "boom", "skein-status", "5"), strKv(wire));
        } finally {
            wire.release();
        }
    }

    @Test
    void theRuntimesOwnFailuresStayKitexExceptionsWithKitexTypeIds() {
        IllegalStateException crash = new IllegalStateException("bug");
        Object[][] cases = {
                {Status.of(StatusCode.UNIMPLEMENTED, "unknown method pkg.Echo/Nope"), KitexError.UNKNOWN_METHOD},
                {Status.of(StatusCode.INVALID_ARGUMENT, "cannot parse request"), KitexError.PROTOCOL_ERROR},
                {Status.of(StatusCode.UNAVAILABLE, "server is shutting down"), KitexError.INTERNAL_ERROR},
                {Status.of(StatusCode.RESOURCE_EXHAUSTED, "over the limit"), KitexError.INTERNAL_ERROR},
                {Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded on the server"), KitexError.INTERNAL_ERROR},
                // A crashed handler, as the actors' CallGuard reports it, is not a business status either.
                {Status.fromThrowable(Status.of(StatusCode.INTERNAL, "service failed: " + crash).withCause(crash)
                        .asException()), KitexError.INTERNAL_ERROR},
                {Status.fromThrowable(crash), KitexError.INTERNAL_ERROR},
        };
        for (Object[] c : cases) {
            Status status = (Status) c[0];
            ByteBuf wire = encode(new UnaryResponse(1, "Say", status, MD, Unpooled.EMPTY_BUFFER));
            try {
                KitexEnvelope env = envelope(wire);
                assertEquals(KitexProtobuf.EXCEPTION, env.msgType(), status::toString);
                assertEquals(new KitexError((int) c[1], status.message()),
                        KitexError.read(wire, env.bodyIndex(), env.bodyLength()));
                Map<String, String> strKv = strKv(wire);
                assertNull(strKv.get("biz-status"), status::toString);
                assertEquals(String.valueOf(status.code().value()), strKv.get("skein-status"));
                UnaryResponse back = (UnaryResponse) SkeinFrameCodec.decode(wire);
                assertEquals(status, back.status());
                assertEquals(MD, back.metadata());
            } finally {
                wire.release();
            }
        }
    }

    @Test
    void aKitexBusinessCodeFromOneToSixteenIsThatCanonicalCode() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("biz-status", "5");
        keys.put("biz-message", "no such user");
        keys.put("biz-extra", "{\"user\":\"u1\"}");
        keys.put("kitex-backward", "b1");
        UnaryResponse r = decode(kitexReply(9, keys, "0a026869"));
        assertEquals(Status.of(StatusCode.NOT_FOUND, "no such user"), r.status());
        assertEquals(0, r.payload().readableBytes(), "the reply body of a business error is dropped, as Kitex does");
        assertEquals(Metadata.builder().put("kitex-backward", "b1").put("biz-status", "5")
                .put("biz-message", "no such user").put("biz-extra", "{\"user\":\"u1\"}").build(), r.metadata());
        assertEquals(new KitexBizStatus(5, "no such user", Map.of("user", "u1")),
                KitexBizStatus.fromMetadata(r.metadata()).orElseThrow());
    }

    @Test
    void aKitexBusinessCodeOutsideTheCanonicalRangeIsUnknown() {
        for (String code : new String[] {"10001", "17", "-1", "2147483647"}) {
            UnaryResponse r = decode(kitexReply(1, Map.of("biz-status", code, "biz-message", "m"), ""));
            assertEquals(Status.of(StatusCode.UNKNOWN, "m"), r.status(), code);
            assertEquals(code, r.metadata().get("biz-status"));
        }
        UnaryResponse noMessage = decode(kitexReply(1, Map.of("biz-status", "7"), ""));
        assertEquals(Status.of(StatusCode.PERMISSION_DENIED), noMessage.status());
    }

    @Test
    void aZeroOrUnparsableBizStatusLeavesTheReplyOk() {
        // Kitex: strconv.ParseInt(v, 10, 32) must succeed with a non-zero value for an error.
        for (String code : new String[] {"0", "abc", "", "2147483648"}) {
            UnaryResponse r = decode(kitexReply(1, Map.of("biz-status", code, "biz-message", "ignored"), "0a026869"));
            try {
                assertEquals(Status.OK, r.status(), code);
                assertEquals("0a026869", ByteBufUtil.hexDump(r.payload()));
                assertEquals(Metadata.builder().put("biz-status", code).put("biz-message", "ignored").build(),
                        r.metadata());
            } finally {
                r.release();
            }
        }
    }

    @Test
    void aKitexExceptionWinsOverABizStatusOnTheSameFrame() {
        ByteBuf frame = Unpooled.buffer();
        int start = TTHeader.writeFixedHeader(frame, 0, 4, 0);
        TTHeader.writeInfoHeader(frame, TTHeader.INFO_STRKV, 1);
        TTHeader.writeStrKv(frame, "biz-status", "5");
        TTHeader.finishHeader(frame, start);
        int env = KitexProtobuf.writeEnvelopeStart(frame, KitexProtobuf.EXCEPTION, "Say", 0, 3, 4);
        KitexError.write(frame, KitexError.INTERNAL_ERROR, "biz error: no");
        KitexProtobuf.finishEnvelope(frame, env);
        TTHeader.finishFrame(frame, start);
        UnaryResponse r = decode(frame);
        assertEquals(Status.of(StatusCode.INTERNAL, "biz error: no"), r.status());
        assertEquals("5", r.metadata().get("biz-status"));
    }

    @Test
    void bizKeysOnRequestsAndStreamFramesAreOrdinaryMetadata() {
        ByteBuf call = Unpooled.buffer();
        int start = TTHeader.writeFixedHeader(call, 0, 1, 0);
        TTHeader.writeInfoHeader(call, TTHeader.INFO_STRKV, 2);
        TTHeader.writeStrKv(call, "biz-status", "5");
        TTHeader.writeStrKv(call, "biz-extra", "{}");
        TTHeader.writeInfoHeader(call, TTHeader.INFO_INTKV, 1);
        TTHeader.writeIntKv(call, IntKey.TO_METHOD, "Say");
        TTHeader.finishHeader(call, start);
        int env = KitexProtobuf.writeEnvelopeStart(call, KitexProtobuf.CALL, "Say", 0, 3, 1);
        KitexProtobuf.finishEnvelope(call, env);
        TTHeader.finishFrame(call, start);
        UnaryRequest r = assertInstanceOf(UnaryRequest.class, decode0(call));
        assertEquals(Metadata.builder().put("biz-status", "5").put("biz-extra", "{}").build(), r.metadata());
        r.release();

        ByteBuf headers = Unpooled.buffer();
        start = TTHeader.writeFixedHeader(headers, 0, 3, 0);
        TTHeader.writeInfoHeader(headers, TTHeader.INFO_STRKV, 1);
        TTHeader.writeStrKv(headers, "biz-message", "m");
        TTHeader.writeInfoHeader(headers, TTHeader.INFO_INTKV, 1);
        TTHeader.writeIntKv(headers, SkeinKeys.FRAME_TYPE, SkeinKeys.TYPE_STREAM_HEADERS);
        TTHeader.finishHeader(headers, start);
        TTHeader.finishFrame(headers, start);
        assertEquals(new StreamHeaders(3, Metadata.builder().put("biz-message", "m").build()), decode0(headers));
    }

    @Test
    void responseMetadataNamedLikeBizKeysNeverPosesAsABusinessStatus() {
        Metadata lookalike = Metadata.builder().put("biz-status", "5").put("biz-message", "m").put("biz-extra", "{}")
                .build();
        ByteBuf ok = encode(new UnaryResponse(1, "Say", Status.OK, lookalike, bytes("0a026869")));
        try {
            Map<String, String> strKv = strKv(ok);
            assertFalse(strKv.containsKey("biz-status") || strKv.containsKey("biz-message")
                    || strKv.containsKey("biz-extra"), strKv::toString);
            assertEquals("5", strKv.get("RPC_TRANSIT_biz-status"));
            UnaryResponse back = (UnaryResponse) SkeinFrameCodec.decode(ok);
            assertEquals(Status.OK, back.status());
            assertEquals(lookalike, back.metadata());
            back.release();
        } finally {
            ok.release();
        }
        Status raised = raised(StatusCode.ABORTED, "real");
        ByteBuf failed = encode(new UnaryResponse(1, "Say", raised, lookalike, Unpooled.EMPTY_BUFFER));
        try {
            assertEquals("10", strKv(failed).get("biz-status"));
            UnaryResponse back = (UnaryResponse) SkeinFrameCodec.decode(failed);
            assertEquals(raised, back.status());
            assertEquals(lookalike, back.metadata());
        } finally {
            failed.release();
        }
    }

    @Test
    void extraThatDoesNotFitOneHeaderStringIsLeftOutAndTheMetadataStillTravels() {
        Metadata big = Metadata.builder().put("a", "x".repeat(40_000)).put("b", "y".repeat(40_000)).build();
        assertExtraLeftOut(big);
    }

    @Test
    void extraThatWouldOverflowTheHeaderIsLeftOutAndTheMetadataStillTravels() {
        // The JSON fits one string, but with it the header would exceed TTHeader's 4 x 65535 bytes.
        Metadata.Builder b = Metadata.builder().put("t1", "z".repeat(30_000)).put("t2", "z".repeat(30_000));
        for (int i = 0; i < 3; i++) {
            b.putPersistent("p" + i, "w".repeat(65_000));
        }
        assertExtraLeftOut(b.build());
    }

    @Test
    void aLongRaisedMessageIsTruncatedNotFatal() {
        String message = "é".repeat(40_000);
        ByteBuf wire = encode(new UnaryResponse(1, "Say", raised(StatusCode.NOT_FOUND, message), Metadata.EMPTY,
                Unpooled.EMPTY_BUFFER));
        try {
            UnaryResponse back = (UnaryResponse) SkeinFrameCodec.decode(wire);
            assertEquals(StatusCode.NOT_FOUND, back.status().code());
            assertTrue(message.startsWith(back.status().message()) && back.status().message().length() > 20_000);
        } finally {
            wire.release();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void assertExtraLeftOut(Metadata md) {
        Status raised = raised(StatusCode.FAILED_PRECONDITION, "too much");
        ByteBuf wire = encode(new UnaryResponse(1, "Say", raised, md, Unpooled.EMPTY_BUFFER));
        try {
            Map<String, String> strKv = strKv(wire);
            assertEquals("9", strKv.get("biz-status"));
            assertFalse(strKv.containsKey("biz-extra"));
            UnaryResponse back = (UnaryResponse) SkeinFrameCodec.decode(wire);
            assertEquals(raised, back.status());
            assertEquals(md, back.metadata());
        } finally {
            wire.release();
        }
    }

    private static Status raised(StatusCode code, String message) {
        return Status.fromThrowable(Status.of(code, message).asException());
    }

    private static ByteBuf bytes(String hex) {
        return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
    }

    private static ByteBuf encode(SkeinFrame frame) {
        ByteBuf out = Unpooled.buffer();
        try {
            SkeinFrameCodec.encode(frame, out);
        } finally {
            if (frame instanceof PayloadFrame p) {
                p.release();
            }
        }
        return out;
    }

    /** A Reply as a Kitex server writes it: the given STRKV keys, INTKV MsgType = 2, the body. */
    private static ByteBuf kitexReply(int seq, Map<String, String> strKv, String bodyHex) {
        ByteBuf frame = Unpooled.buffer();
        int start = TTHeader.writeFixedHeader(frame, 0, seq, 0);
        TTHeader.writeInfoHeader(frame, TTHeader.INFO_STRKV, strKv.size());
        strKv.forEach((k, v) -> TTHeader.writeStrKv(frame, k, v));
        TTHeader.writeInfoHeader(frame, TTHeader.INFO_INTKV, 1);
        TTHeader.writeIntKv(frame, IntKey.MSG_TYPE, "2");
        TTHeader.finishHeader(frame, start);
        int env = KitexProtobuf.writeEnvelopeStart(frame, KitexProtobuf.REPLY, "Say", 0, 3, seq);
        frame.writeBytes(ByteBufUtil.decodeHexDump(bodyHex));
        KitexProtobuf.finishEnvelope(frame, env);
        TTHeader.finishFrame(frame, start);
        return frame;
    }

    /** Decodes a unary frame and releases the input. */
    private static UnaryResponse decode(ByteBuf frame) {
        return (UnaryResponse) decode0(frame);
    }

    private static SkeinFrame decode0(ByteBuf frame) {
        try {
            return SkeinFrameCodec.decode(frame);
        } finally {
            frame.release();
        }
    }

    private static KitexEnvelope envelope(ByteBuf wire) {
        int payloadStart = wire.readerIndex() + TTHeader.FIXED_HEADER_SIZE + 4 * wire.getUnsignedShort(wire.readerIndex() + 12);
        return KitexProtobuf.parse(wire, payloadStart, wire.writerIndex());
    }

    /** The STRKV entries of an encoded frame, as a Kitex peer reads them (a map). */
    private static Map<String, String> strKv(ByteBuf wire) {
        Map<String, String> entries = new LinkedHashMap<>();
        TTHeader.parseHeader(wire, wire.readerIndex(), wire.writerIndex(), new TTHeader.InfoVisitor() {
            @Override
            public void intKv(ByteBuf buf, int key, int valueIndex, int valueLength) {
            }

            @Override
            public void strKv(ByteBuf buf, int keyIndex, int keyLength, int valueIndex, int valueLength) {
                entries.put(buf.toString(keyIndex, keyLength, StandardCharsets.UTF_8),
                        buf.toString(valueIndex, valueLength, StandardCharsets.UTF_8));
            }

            @Override
            public void aclToken(ByteBuf buf, int index, int length) {
            }
        });
        return entries;
    }
}
