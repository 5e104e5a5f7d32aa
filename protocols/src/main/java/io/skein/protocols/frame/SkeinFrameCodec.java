package io.skein.protocols.frame;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.CorruptedFrameException;
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
import io.skein.protocols.kitex.KitexBizStatus;
import io.skein.protocols.kitex.KitexEnvelope;
import io.skein.protocols.kitex.KitexError;
import io.skein.protocols.kitex.KitexProtobuf;
import io.skein.protocols.ttheader.IntKey;
import io.skein.protocols.ttheader.StrKey;
import io.skein.protocols.ttheader.TTHeader;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Maps {@link SkeinFrame}s to and from TTHeader frames, pipeline-free, so that the Netty handlers
 * ({@link SkeinFrameEncoder}, {@link SkeinFrameDecoder}) and other transports (shared memory) share
 * one implementation. {@code docs/protocol.md} documents the mapping byte by byte.
 *
 * <p>Unary frames are Kitex PingPong messages (TTHeader + Kitex Protobuf envelope); stream frames
 * carry {@link SkeinKeys#FRAME_TYPE}. Encoding writes straight into the output buffer; decoding reads
 * the input in place and hands out payloads as retained slices of it.
 */
public final class SkeinFrameCodec {

    /**
     * The TTHeader protocol id Skein writes: {@link TTHeader#PROTOCOL_THRIFT_BINARY} ({@code 0x00}), which
     * is what Kitex itself writes for Kitex Protobuf (its {@code ProtocolIDDefault}, kept so Kitex up to
     * v1.9.1 accepts it); the payload magic {@code 0x9001} is what identifies protobuf. Decoding accepts
     * {@code 0x00} and {@link TTHeader#PROTOCOL_KITEX_PROTOBUF} ({@code 0x04}).
     */
    public static final int WIRE_PROTOCOL_ID = TTHeader.PROTOCOL_THRIFT_BINARY;

    private SkeinFrameCodec() {
    }

    // ---------------------------------------------------------------- encoding

    /**
     * Writes {@code frame} as one TTHeader frame at the end of {@code out}. Does not release the frame.
     * On failure (a metadata string over 65535 UTF-8 bytes, a header over 256 KiB) nothing is left
     * written and an {@link IllegalArgumentException} says why.
     */
    public static void encode(SkeinFrame frame, ByteBuf out) {
        requireNonNull(frame, "frame");
        requireNonNull(out, "out");
        int start = out.writerIndex();
        try {
            if (frame instanceof StreamMessage m) {
                start = TTHeader.writeFixedHeader(out, 0, m.streamId(), WIRE_PROTOCOL_ID);
                TTHeader.writeInfoHeader(out, TTHeader.INFO_INTKV, 1);
                TTHeader.writeIntKv(out, SkeinKeys.FRAME_TYPE, SkeinKeys.TYPE_STREAM_MESSAGE);
                TTHeader.finishHeader(out, start);
                ByteBuf payload = m.payload();
                out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
            } else if (frame instanceof UnaryRequest r) {
                encodeRequest(r, out);
            } else if (frame instanceof UnaryResponse r) {
                encodeResponse(r, out);
            } else {
                encodeControl(frame, out);
            }
            TTHeader.finishFrame(out, start);
        } catch (RuntimeException e) {
            out.writerIndex(start);
            throw e;
        }
    }

    /**
     * Writes every byte of {@code frame} that comes before its payload, with the lengths set for the
     * payload's {@code readableBytes()}, and returns how many payload bytes must follow to complete the
     * frame (0 when the frame carries none, as a failed UnaryResponse). For a transport that serializes
     * the payload in place and puts the header in front of it (shared memory); {@link #encode} with the
     * payload appended gives the same bytes. Does not read or release the payload.
     */
    public static int encodeHeader(PayloadFrame frame, ByteBuf out) {
        requireNonNull(frame, "frame");
        int n = frame.payload().readableBytes();
        int start = out.writerIndex();
        boolean unary;
        if (frame instanceof StreamMessage m) {
            encode(new StreamMessage(m.streamId(), Unpooled.EMPTY_BUFFER), out);
            unary = false;
        } else if (frame instanceof UnaryRequest r) {
            encode(new UnaryRequest(r.streamId(), r.method(), r.metadata(), r.timeoutMillis(), Unpooled.EMPTY_BUFFER), out);
            unary = true;
        } else {
            UnaryResponse r = (UnaryResponse) frame;
            encode(new UnaryResponse(r.streamId(), r.method(), r.status(), r.metadata(), Unpooled.EMPTY_BUFFER), out);
            if (!r.status().isOk()) {
                return 0;
            }
            unary = true;
        }
        long length = (out.getInt(start) & 0xFFFFFFFFL) + n;
        if (length > TTHeader.MAX_LENGTH) {
            out.writerIndex(start);
            throw new IllegalArgumentException("TTHeader frame LENGTH " + length + " exceeds " + TTHeader.MAX_LENGTH);
        }
        out.setInt(start, (int) length);
        if (unary) {
            int envelope = start + 14 + out.getUnsignedShort(start + 12) * 4;
            out.setInt(envelope, out.getInt(envelope) + n);
        }
        return n;
    }

    private static void encodeRequest(UnaryRequest r, ByteBuf out) {
        String method = requireNonNull(r.method(), "method");
        Metadata md = requireNonNull(r.metadata(), "metadata");
        ByteBuf payload = requireNonNull(r.payload(), "payload");
        int slash = method.lastIndexOf('/');
        int svcFrom = method.startsWith("/") ? 1 : 0;
        boolean hasService = slash > svcFrom;
        int start = TTHeader.writeFixedHeader(out, 0, r.streamId(), WIRE_PROTOCOL_ID);
        int strCount = (hasService ? 1 : 0) + metadataCount(md);
        if (strCount > 0) {
            TTHeader.writeInfoHeader(out, TTHeader.INFO_STRKV, strCount);
            if (hasService) {
                TTHeader.writeString16(out, StrKey.IDL_SERVICE_NAME);
                TTHeader.writeString16(out, method, svcFrom, slash);
            }
            writeMetadata(out, md, false);
        }
        long timeout = r.timeoutMillis();
        TTHeader.writeInfoHeader(out, TTHeader.INFO_INTKV, timeout != SkeinFrame.NO_TIMEOUT ? 2 : 1);
        TTHeader.writeIntKv(out, IntKey.TO_METHOD, method, slash + 1, method.length());
        if (timeout != SkeinFrame.NO_TIMEOUT) {
            TTHeader.writeIntKv(out, IntKey.RPC_TIMEOUT, wireTimeout(timeout));
        }
        TTHeader.finishHeader(out, start);
        int env = KitexProtobuf.writeEnvelopeStart(out, KitexProtobuf.CALL, method, slash + 1, method.length(),
                                                   r.streamId());
        out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
        KitexProtobuf.finishEnvelope(out, env);
    }

    /**
     * OK: a Reply. A {@linkplain Status#isRaised() raised} status (the service failed the call with
     * it): a Reply that carries it as a Kitex business status. Any other status (the runtime's own
     * failure): an Exception. Both name the exact code in {@link SkeinKeys#STATUS}.
     */
    private static void encodeResponse(UnaryResponse r, ByteBuf out) {
        Status status = requireNonNull(r.status(), "status");
        Metadata md = requireNonNull(r.metadata(), "metadata");
        if (status.isOk() || !status.isRaised()) {
            writeResponse(r, out, null);
            return;
        }
        String extra = bizExtra(md);
        if (extra != null) {
            int mark = out.writerIndex();
            try {
                writeResponse(r, out, extra);
                return;
            } catch (IllegalArgumentException e) {
                // The copy of the metadata made the header too big: the values still travel as STRKV.
                out.writerIndex(mark);
            }
        }
        writeResponse(r, out, "");
    }

    /** {@code bizExtra}: {@code null} for OK or an Exception, else the biz-extra value ("" for none). */
    private static void writeResponse(UnaryResponse r, ByteBuf out, String bizExtra) {
        String method = requireNonNull(r.method(), "method");
        Status status = r.status();
        Metadata md = r.metadata();
        ByteBuf payload = requireNonNull(r.payload(), "payload");
        boolean ok = status.isOk();
        boolean biz = bizExtra != null;
        int start = TTHeader.writeFixedHeader(out, 0, r.streamId(), WIRE_PROTOCOL_ID);
        int strCount = (ok ? 0 : 1) + (biz ? (bizExtra.isEmpty() ? 2 : 3) : 0) + metadataCount(md);
        if (strCount > 0) {
            TTHeader.writeInfoHeader(out, TTHeader.INFO_STRKV, strCount);
            if (biz) {
                TTHeader.writeString16(out, StrKey.BIZ_STATUS);
                TTHeader.writeDecimal16(out, status.code().value());
                TTHeader.writeStrKv(out, StrKey.BIZ_MESSAGE, truncate(status.message()));
                if (!bizExtra.isEmpty()) {
                    TTHeader.writeStrKv(out, StrKey.BIZ_EXTRA, bizExtra);
                }
            }
            if (!ok) {
                TTHeader.writeString16(out, SkeinKeys.STATUS);
                TTHeader.writeDecimal16(out, status.code().value());
            }
            writeMetadata(out, md, true);
        }
        TTHeader.finishHeader(out, start);
        int from = method.lastIndexOf('/') + 1;
        int env = KitexProtobuf.writeEnvelopeStart(out, ok || biz ? KitexProtobuf.REPLY : KitexProtobuf.EXCEPTION,
                                                   method, from, method.length(), r.streamId());
        if (ok) {
            out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
        } else if (!biz) {
            KitexError.write(out, KitexError.typeIdOf(status.code()), status.message());
        }
        KitexProtobuf.finishEnvelope(out, env);
    }

    /**
     * The biz-extra of a business status: the transient response metadata as a JSON object, or
     * {@code null} when there is none or it does not fit one TTHeader string.
     */
    private static String bizExtra(Metadata md) {
        Map<String, String> values = md.transientValues();
        if (values.isEmpty()) {
            return null;
        }
        String json = KitexBizStatus.extraToJson(values);
        return json.length() <= TTHeader.MAX_STRING_LENGTH / 3 || ByteBufUtil.utf8Bytes(json) <= TTHeader.MAX_STRING_LENGTH
                ? json : null;
    }

    private static void encodeControl(SkeinFrame frame, ByteBuf out) {
        int start = TTHeader.writeFixedHeader(out, 0, frame.streamId(), WIRE_PROTOCOL_ID);
        if (frame instanceof StreamCredit c) {
            TTHeader.writeInfoHeader(out, TTHeader.INFO_INTKV, 2);
            TTHeader.writeIntKv(out, SkeinKeys.FRAME_TYPE, SkeinKeys.TYPE_STREAM_CREDIT);
            TTHeader.writeIntKv(out, SkeinKeys.CREDITS, c.credits());
        } else if (frame instanceof StreamOpen o) {
            String method = requireNonNull(o.method(), "method");
            Metadata md = requireNonNull(o.metadata(), "metadata");
            CallKind kind = requireNonNull(o.kind(), "kind");
            int slash = method.lastIndexOf('/');
            int svcFrom = method.startsWith("/") ? 1 : 0;
            boolean hasService = slash > svcFrom;
            int strCount = (hasService ? 1 : 0) + metadataCount(md);
            if (strCount > 0) {
                TTHeader.writeInfoHeader(out, TTHeader.INFO_STRKV, strCount);
                if (hasService) {
                    TTHeader.writeString16(out, StrKey.IDL_SERVICE_NAME);
                    TTHeader.writeString16(out, method, svcFrom, slash);
                }
                writeMetadata(out, md, false);
            }
            boolean hasTimeout = o.timeoutMillis() != SkeinFrame.NO_TIMEOUT;
            TTHeader.writeInfoHeader(out, TTHeader.INFO_INTKV, hasTimeout ? 5 : 4);
            TTHeader.writeIntKv(out, SkeinKeys.FRAME_TYPE, SkeinKeys.TYPE_STREAM_OPEN);
            TTHeader.writeIntKv(out, SkeinKeys.CALL_KIND, kind.ordinal());
            TTHeader.writeIntKv(out, SkeinKeys.CREDITS, o.initialCredits());
            TTHeader.writeIntKv(out, IntKey.TO_METHOD, method, slash + 1, method.length());
            if (hasTimeout) {
                TTHeader.writeIntKv(out, IntKey.RPC_TIMEOUT, wireTimeout(o.timeoutMillis()));
            }
        } else if (frame instanceof StreamHeaders h) {
            Metadata md = requireNonNull(h.metadata(), "metadata");
            int count = metadataCount(md);
            if (count > 0) {
                TTHeader.writeInfoHeader(out, TTHeader.INFO_STRKV, count);
                writeMetadata(out, md, true);
            }
            TTHeader.writeInfoHeader(out, TTHeader.INFO_INTKV, 1);
            TTHeader.writeIntKv(out, SkeinKeys.FRAME_TYPE, SkeinKeys.TYPE_STREAM_HEADERS);
        } else if (frame instanceof StreamHalfClose) {
            TTHeader.writeInfoHeader(out, TTHeader.INFO_INTKV, 1);
            TTHeader.writeIntKv(out, SkeinKeys.FRAME_TYPE, SkeinKeys.TYPE_STREAM_HALF_CLOSE);
        } else if (frame instanceof StreamTrailers t) {
            Metadata md = requireNonNull(t.metadata(), "metadata");
            Status status = requireNonNull(t.status(), "status");
            int count = metadataCount(md);
            if (count > 0) {
                TTHeader.writeInfoHeader(out, TTHeader.INFO_STRKV, count);
                writeMetadata(out, md, true);
            }
            writeCodeAndMessage(out, SkeinKeys.TYPE_STREAM_TRAILERS, SkeinKeys.STATUS_CODE,
                                status.code().value(), status.message());
        } else if (frame instanceof StreamReset r) {
            StatusCode code = requireNonNull(r.code(), "code");
            writeCodeAndMessage(out, SkeinKeys.TYPE_STREAM_RESET, SkeinKeys.STATUS_CODE, code.value(),
                                r.reason() == null ? "" : r.reason());
        } else if (frame instanceof GoAway g) {
            writeCodeAndMessage(out, SkeinKeys.TYPE_GO_AWAY, SkeinKeys.LAST_STREAM_ID,
                                Integer.toUnsignedLong(g.lastStreamId()), g.reason() == null ? "" : g.reason());
        } else {
            throw new IllegalArgumentException("unknown frame: " + frame);
        }
        TTHeader.finishHeader(out, start);
    }

    private static void writeCodeAndMessage(ByteBuf out, int type, int key, long value, String message) {
        String text = truncate(message);
        TTHeader.writeInfoHeader(out, TTHeader.INFO_INTKV, text.isEmpty() ? 2 : 3);
        TTHeader.writeIntKv(out, SkeinKeys.FRAME_TYPE, type);
        TTHeader.writeIntKv(out, key, value);
        if (!text.isEmpty()) {
            TTHeader.writeIntKv(out, SkeinKeys.MESSAGE, text);
        }
    }

    /** A passed deadline still travels as a deadline: the server fails the call at once. */
    private static long wireTimeout(long timeoutMillis) {
        return Math.max(timeoutMillis, 1);
    }

    private static String truncate(String s) {
        if (s.length() <= TTHeader.MAX_STRING_LENGTH / 3 || ByteBufUtil.utf8Bytes(s) <= TTHeader.MAX_STRING_LENGTH) {
            return s;
        }
        int cut = TTHeader.MAX_STRING_LENGTH / 3;
        if (Character.isHighSurrogate(s.charAt(cut - 1))) {
            cut--;
        }
        return s.substring(0, cut);
    }

    private static int metadataCount(Metadata md) {
        return md.transientValues().size() + md.persistentValues().size();
    }

    /**
     * Requests (towards the server) prefix transient keys with {@code RPC_TRANSIT_}; responses send
     * them bare, as Kitex's backward values are, unless the bare key would be read as something else.
     * Persistent keys always carry {@code RPC_PERSIST_}.
     */
    private static void writeMetadata(ByteBuf out, Metadata md, boolean response) {
        if (md.isEmpty()) {
            return;
        }
        for (Map.Entry<String, String> e : md.transientValues().entrySet()) {
            String key = e.getKey();
            if (response && !reservedBareKey(key)) {
                TTHeader.writeStrKv(out, key, e.getValue());
            } else {
                TTHeader.writeStrKv(out, StrKey.PREFIX_TRANSIENT, key, e.getValue());
            }
        }
        for (Map.Entry<String, String> e : md.persistentValues().entrySet()) {
            TTHeader.writeStrKv(out, StrKey.PREFIX_PERSISTENT, e.getKey(), e.getValue());
        }
    }

    private static boolean reservedBareKey(String key) {
        return key.startsWith("RPC_") || key.equals(StrKey.IDL_SERVICE_NAME) || key.equals(SkeinKeys.STATUS)
               || key.equals(StrKey.BIZ_STATUS) || key.equals(StrKey.BIZ_MESSAGE) || key.equals(StrKey.BIZ_EXTRA);
    }

    /** A size hint for the buffer that {@link #encode} will fill. */
    public static int estimateSize(SkeinFrame frame) {
        int size = 96;
        if (frame instanceof PayloadFrame p) {
            size += p.payload().readableBytes();
        }
        if (frame instanceof UnaryRequest r) {
            size += 2 * r.method().length() + (r.metadata().isEmpty() ? 0 : 256);
        } else if (frame instanceof UnaryResponse r) {
            size += r.method().length() + r.status().message().length()
                    + (r.metadata().isEmpty() ? 0 : r.status().isRaised() ? 512 : 256);
        } else if (frame instanceof StreamOpen o) {
            size += 2 * o.method().length() + (o.metadata().isEmpty() ? 0 : 256);
        } else if (frame instanceof StreamTrailers t) {
            size += t.status().message().length() + (t.metadata().isEmpty() ? 0 : 256);
        } else if (frame instanceof StreamHeaders h) {
            size += h.metadata().isEmpty() ? 0 : 256;
        }
        return size;
    }

    // ---------------------------------------------------------------- decoding

    /**
     * Decodes the one complete TTHeader frame that fills the readable bytes of {@code frame} and
     * advances its reader index past it. Payloads are retained slices of {@code frame}; the caller
     * still releases {@code frame} itself.
     *
     * @throws CorruptedFrameException when the frame is malformed or not a Skein/Kitex frame
     */
    public static SkeinFrame decode(ByteBuf frame) {
        requireNonNull(frame, "frame");
        int start = frame.readerIndex();
        int end = frame.writerIndex();
        SkeinFrame decoded = decode(frame, start, end);
        frame.readerIndex(end);
        return decoded;
    }

    /**
     * Decodes the complete TTHeader frame {@code buf[start, end)} without moving the buffer's indexes.
     * Payloads are retained slices of {@code buf}.
     *
     * @throws CorruptedFrameException when the frame is malformed or not a Skein/Kitex frame
     */
    public static SkeinFrame decode(ByteBuf buf, int start, int end) {
        requireNonNull(buf, "buf");
        FrameReader reader = new FrameReader();
        reader.streamId = end - start >= TTHeader.MIN_FRAME_SIZE ? TTHeader.seqId(buf, start) : 0;
        int payloadStart = TTHeader.parseHeader(buf, start, end, reader);
        int flags = TTHeader.flags(buf, start);
        if ((flags & TTHeader.FLAG_STREAMING) != 0) {
            throw reader.corrupted("Kitex TTHeader streaming frames (flag 0x0002) are not supported");
        }
        int protocolId = TTHeader.protocolId(buf, start);
        if (protocolId != TTHeader.PROTOCOL_THRIFT_BINARY && protocolId != TTHeader.PROTOCOL_KITEX_PROTOBUF) {
            throw reader.corrupted(String.format("unsupported TTHeader protocol id 0x%02x (expected Kitex "
                                                 + "Protobuf: 0x00 or 0x04)", protocolId));
        }
        if (reader.frameType < 0) {
            return reader.unary(buf, payloadStart, end);
        }
        return reader.stream(buf, payloadStart, end);
    }

    /** Collects the info entries of one frame, then builds the frame. */
    private static final class FrameReader implements TTHeader.InfoVisitor {
        int streamId;
        int frameType = -1;
        long callKind = -1;
        long credits = -1;
        long statusCode = -1;
        long lastStreamId = -1;
        String message;
        int toMethodIdx = -1;
        int toMethodLen;
        long timeoutMillis = SkeinFrame.NO_TIMEOUT;
        String service;
        long skeinStatus = -1;
        /** The bare biz-* STRKV values (Kitex business status), kept apart until the frame kind is known. */
        String bizStatus;
        String bizMessage;
        String bizExtra;
        Metadata.Builder metadata;

        @Override
        public void intKv(ByteBuf buf, int key, int valueIndex, int valueLength) {
            switch (key) {
                case SkeinKeys.FRAME_TYPE -> frameType = (int) Math.min(
                        decimal(buf, valueIndex, valueLength, "frame type (0xE000)"), Integer.MAX_VALUE);
                case SkeinKeys.CALL_KIND -> callKind = decimal(buf, valueIndex, valueLength, "call kind (0xE001)");
                case SkeinKeys.CREDITS -> credits = decimal(buf, valueIndex, valueLength, "credits (0xE002)");
                case SkeinKeys.STATUS_CODE -> statusCode = decimal(buf, valueIndex, valueLength,
                                                                   "status code (0xE003)");
                case SkeinKeys.MESSAGE -> message = utf8(buf, valueIndex, valueLength);
                case SkeinKeys.LAST_STREAM_ID -> lastStreamId = decimal(buf, valueIndex, valueLength,
                                                                        "last stream id (0xE005)");
                case IntKey.TO_METHOD -> {
                    toMethodIdx = valueIndex;
                    toMethodLen = valueLength;
                }
                case IntKey.RPC_TIMEOUT -> timeoutMillis = decimal(buf, valueIndex, valueLength,
                                                                   "RPCTimeout (12)");
                default -> {
                    // Kitex keys Skein does not use (FromService, TransportType, MsgType, ...).
                }
            }
        }

        @Override
        public void strKv(ByteBuf buf, int keyIndex, int keyLength, int valueIndex, int valueLength) {
            if (TTHeader.asciiStartsWith(buf, keyIndex, keyLength, StrKey.PREFIX_PERSISTENT)) {
                int p = StrKey.PREFIX_PERSISTENT.length();
                metadata().putPersistent(utf8(buf, keyIndex + p, keyLength - p), utf8(buf, valueIndex, valueLength));
            } else if (TTHeader.asciiStartsWith(buf, keyIndex, keyLength, StrKey.PREFIX_TRANSIENT)) {
                int p = StrKey.PREFIX_TRANSIENT.length();
                metadata().put(utf8(buf, keyIndex + p, keyLength - p), utf8(buf, valueIndex, valueLength));
            } else if (TTHeader.asciiEquals(buf, keyIndex, keyLength, StrKey.IDL_SERVICE_NAME)) {
                service = valueLength == 0 ? null : utf8(buf, valueIndex, valueLength);
            } else if (TTHeader.asciiEquals(buf, keyIndex, keyLength, SkeinKeys.STATUS)) {
                skeinStatus = decimal(buf, valueIndex, valueLength, "STRKV skein-status");
            } else if (TTHeader.asciiEquals(buf, keyIndex, keyLength, StrKey.BIZ_STATUS)) {
                bizStatus = utf8(buf, valueIndex, valueLength);
            } else if (TTHeader.asciiEquals(buf, keyIndex, keyLength, StrKey.BIZ_MESSAGE)) {
                bizMessage = utf8(buf, valueIndex, valueLength);
            } else if (TTHeader.asciiEquals(buf, keyIndex, keyLength, StrKey.BIZ_EXTRA)) {
                bizExtra = utf8(buf, valueIndex, valueLength);
            } else {
                metadata().put(utf8(buf, keyIndex, keyLength), utf8(buf, valueIndex, valueLength));
            }
        }

        @Override
        public void aclToken(ByteBuf buf, int index, int length) {
            metadata().put(StrKey.GDPR_TOKEN.substring(StrKey.PREFIX_TRANSIENT.length()), utf8(buf, index, length));
        }

        private Metadata.Builder metadata() {
            Metadata.Builder b = metadata;
            if (b == null) {
                metadata = b = Metadata.builder();
            }
            return b;
        }

        /** The metadata, with the biz-* values as transient values (as any other key). */
        private Metadata builtMetadata() {
            if (bizStatus != null || bizMessage != null || bizExtra != null) {
                Metadata.Builder b = metadata();
                putIfPresent(b, StrKey.BIZ_STATUS, bizStatus);
                putIfPresent(b, StrKey.BIZ_MESSAGE, bizMessage);
                putIfPresent(b, StrKey.BIZ_EXTRA, bizExtra);
            }
            return metadataWithoutBiz();
        }

        private Metadata metadataWithoutBiz() {
            return metadata == null ? Metadata.EMPTY : metadata.build();
        }

        private static void putIfPresent(Metadata.Builder b, String key, String value) {
            if (value != null) {
                b.put(key, value);
            }
        }

        /** The exact code a Skein peer sent in skein-status (0, which no failure has, reads as UNKNOWN). */
        private StatusCode skeinStatusCode() {
            StatusCode code = StatusCode.fromValue((int) Math.min(skeinStatus, 99));
            return code == StatusCode.OK ? StatusCode.UNKNOWN : code;
        }

        private static String utf8(ByteBuf buf, int index, int length) {
            return length == 0 ? "" : buf.toString(index, length, StandardCharsets.UTF_8);
        }

        private long decimal(ByteBuf buf, int index, int length, String what) {
            long v = TTHeader.parseDecimal(buf, index, length);
            if (v < 0) {
                String shown = utf8(buf, index, Math.min(length, 24));
                throw corrupted(what + " is not a decimal number: '" + shown + "'");
            }
            return v;
        }

        CorruptedFrameException corrupted(String what) {
            return new CorruptedFrameException("Skein frame for stream " + streamId + ": " + what);
        }

        private String method(String shortName) {
            return service == null ? shortName : service + '/' + shortName;
        }

        SkeinFrame unary(ByteBuf buf, int payloadStart, int end) {
            KitexEnvelope env;
            try {
                env = KitexProtobuf.parse(buf, payloadStart, end);
            } catch (CorruptedFrameException e) {
                throw corrupted(e.getMessage());
            }
            int id = env.seqId();
            switch (env.msgType()) {
                case KitexProtobuf.CALL: {
                    if (env.method().isEmpty()) {
                        throw corrupted("Kitex Call without a method name");
                    }
                    Metadata md = builtMetadata();
                    return new UnaryRequest(id, method(env.method()), md, timeoutMillis,
                                            buf.retainedSlice(env.bodyIndex(), env.bodyLength()));
                }
                case KitexProtobuf.REPLY: {
                    // Kitex: a biz-status that parses to a non-zero int32 makes the reply a business error.
                    int bizCode = KitexBizStatus.parseCode(bizStatus);
                    if (bizCode != 0) {
                        // From Skein (skein-status present): the exact status, the biz-* keys only restate it.
                        // From Kitex: the code it maps to, and the biz-* keys stay readable as metadata.
                        boolean fromSkein = skeinStatus >= 0;
                        Status status = Status.of(fromSkein ? skeinStatusCode() : KitexBizStatus.toStatusCode(bizCode),
                                                  bizMessage);
                        return new UnaryResponse(id, method(env.method()), status,
                                                 fromSkein ? metadataWithoutBiz() : builtMetadata(),
                                                 Unpooled.EMPTY_BUFFER);
                    }
                    return new UnaryResponse(id, method(env.method()), Status.OK, builtMetadata(),
                                             buf.retainedSlice(env.bodyIndex(), env.bodyLength()));
                }
                case KitexProtobuf.EXCEPTION: {
                    KitexError error;
                    try {
                        error = KitexError.read(buf, env.bodyIndex(), env.bodyLength());
                    } catch (CorruptedFrameException e) {
                        throw corrupted(e.getMessage());
                    }
                    StatusCode code = skeinStatus >= 0 ? skeinStatusCode() : KitexError.toStatusCode(error.typeId());
                    if (code == StatusCode.OK) {
                        code = StatusCode.UNKNOWN;
                    }
                    return new UnaryResponse(id, method(env.method()), Status.of(code, error.message()),
                                             builtMetadata(), Unpooled.EMPTY_BUFFER);
                }
                default:
                    throw corrupted("unsupported Kitex message type " + env.msgType() + " (oneway is not supported)");
            }
        }

        SkeinFrame stream(ByteBuf buf, int payloadStart, int end) {
            int type = frameType;
            if (type < SkeinKeys.TYPE_STREAM_OPEN || type > SkeinKeys.TYPE_GO_AWAY) {
                throw corrupted("unknown Skein frame type " + type);
            }
            if (type == SkeinKeys.TYPE_GO_AWAY) {
                if (streamId != 0) {
                    throw corrupted("GoAway must be sent on stream 0");
                }
            } else if (streamId == 0) {
                throw corrupted("stream frame type " + type + " on stream 0");
            }
            int payloadLength = end - payloadStart;
            if (type == SkeinKeys.TYPE_STREAM_MESSAGE) {
                return new StreamMessage(streamId, buf.retainedSlice(payloadStart, payloadLength));
            }
            if (payloadLength != 0) {
                throw corrupted("unexpected " + payloadLength + " payload bytes on a frame of type " + type);
            }
            switch (type) {
                case SkeinKeys.TYPE_STREAM_OPEN: {
                    if (toMethodIdx < 0 || toMethodLen == 0) {
                        throw corrupted("StreamOpen without a method (INTKV ToMethod)");
                    }
                    if (callKind < 0 || callKind > 3) {
                        throw corrupted(callKind < 0 ? "StreamOpen without a call kind (0xE001)"
                                                     : "StreamOpen with unknown call kind " + callKind);
                    }
                    int initial = requireCredits(0, "StreamOpen");
                    String shortName = utf8(buf, toMethodIdx, toMethodLen);
                    return new StreamOpen(streamId, method(shortName), CallKind.values()[(int) callKind],
                                          builtMetadata(), timeoutMillis, initial);
                }
                case SkeinKeys.TYPE_STREAM_HEADERS:
                    return new StreamHeaders(streamId, builtMetadata());
                case SkeinKeys.TYPE_STREAM_HALF_CLOSE:
                    return new StreamHalfClose(streamId);
                case SkeinKeys.TYPE_STREAM_TRAILERS:
                    return new StreamTrailers(streamId, Status.of(requireCode("StreamTrailers"), message),
                                              builtMetadata());
                case SkeinKeys.TYPE_STREAM_RESET:
                    return new StreamReset(streamId, requireCode("StreamReset"), message == null ? "" : message);
                case SkeinKeys.TYPE_STREAM_CREDIT:
                    return new StreamCredit(streamId, requireCredits(1, "StreamCredit"));
                default: {
                    if (lastStreamId < 0 || lastStreamId > 0xFFFF_FFFFL) {
                        throw corrupted(lastStreamId < 0 ? "GoAway without a last stream id (0xE005)"
                                                         : "GoAway last stream id " + lastStreamId + " out of range");
                    }
                    return new GoAway((int) lastStreamId, message == null ? "" : message);
                }
            }
        }

        private int requireCredits(int min, String frame) {
            if (credits < 0) {
                throw corrupted(frame + " without credits (0xE002)");
            }
            if (credits < min || credits > Integer.MAX_VALUE) {
                throw corrupted(frame + " with credits " + credits + " out of range");
            }
            return (int) credits;
        }

        private StatusCode requireCode(String frame) {
            if (statusCode < 0) {
                throw corrupted(frame + " without a status code (0xE003)");
            }
            if (statusCode > 16) {
                throw corrupted(frame + " with unknown status code " + statusCode);
            }
            return StatusCode.fromValue((int) statusCode);
        }
    }
}
