package io.skein.protocols.kitex;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.StandardCharsets;

/**
 * Kitex's Protobuf payload envelope ({@code pkg/remote/codec/protobuf/protobuf.go}), which Kitex
 * only sends "framed", so inside a TTHeader frame it reads:
 *
 * <pre>
 * FRAMED LENGTH u32 (bytes after itself)
 * MAGIC|TYPE    u32 = 0x9001_0000 + message type (1 Call, 2 Reply, 3 Exception, 4 Oneway)
 * METHOD        u32 length + UTF-8 method name (short form, e.g. "Echo")
 * SEQUENCE ID   u32
 * BODY          the protobuf message; for Exception an {@link KitexError ErrorProto}
 * </pre>
 *
 * Writing: {@link #writeEnvelopeStart}, the body, then {@link #finishEnvelope}.
 */
public final class KitexProtobuf {

    /** Kitex's {@code ProtobufV1Magic}, in the upper 16 bits of the second word. */
    public static final int MAGIC = 0x9001_0000;
    /** The mask that selects the magic. */
    public static final int MAGIC_MASK = 0xFFFF_0000;
    /** A request. */
    public static final int CALL = 1;
    /** A successful response. */
    public static final int REPLY = 2;
    /** A failed response; the body is an {@link KitexError ErrorProto}. */
    public static final int EXCEPTION = 3;
    /** A request that expects no response (Kitex writes oneway calls as {@link #CALL}). */
    public static final int ONEWAY = 4;
    /** Framed length, magic, method length and sequence id. */
    public static final int FIXED_SIZE = 16;

    private KitexProtobuf() {
    }

    /**
     * Writes the envelope up to the body, with the method name {@code method[from, to)}, and returns
     * the index to pass to {@link #finishEnvelope}.
     */
    public static int writeEnvelopeStart(ByteBuf out, int msgType, CharSequence method, int from, int to,
                                         int seqId) {
        int start = out.writerIndex();
        out.ensureWritable(FIXED_SIZE + to - from);
        out.writeInt(0);
        out.writeInt(MAGIC | msgType);
        int lenIdx = out.writerIndex();
        out.writeInt(0);
        out.setInt(lenIdx, ByteBufUtil.writeUtf8(out, method, from, to));
        out.writeInt(seqId);
        return start;
    }

    /** Patches the framed length once the body is written. */
    public static void finishEnvelope(ByteBuf out, int start) {
        out.setInt(start, out.writerIndex() - start - 4);
    }

    /**
     * Parses the envelope that fills {@code buf[index, end)}.
     *
     * @throws CorruptedFrameException when the framed length, magic, message type or method length is wrong
     */
    public static KitexEnvelope parse(ByteBuf buf, int index, int end) {
        int size = end - index;
        if (size < FIXED_SIZE) {
            throw new CorruptedFrameException("Kitex protobuf envelope of " + size
                                              + " bytes is shorter than its " + FIXED_SIZE + "-byte minimum");
        }
        long framed = buf.getUnsignedInt(index);
        if (framed != size - 4) {
            throw new CorruptedFrameException("Kitex protobuf envelope: framed length " + framed
                                              + " does not match the " + (size - 4) + " payload bytes after it");
        }
        int word = buf.getInt(index + 4);
        if ((word & MAGIC_MASK) != MAGIC) {
            throw new CorruptedFrameException(String.format(
                    "Kitex protobuf envelope: magic 0x%08x, expected 0x9001xxxx (Kitex protobuf)", word));
        }
        int msgType = word & 0xFFFF;
        if (msgType < CALL || msgType > ONEWAY) {
            throw new CorruptedFrameException("Kitex protobuf envelope: unknown message type " + msgType);
        }
        long methodLen = buf.getUnsignedInt(index + 8);
        if (methodLen > size - FIXED_SIZE) {
            throw new CorruptedFrameException("Kitex protobuf envelope: method name of " + methodLen
                                              + " bytes exceeds the payload");
        }
        int methodIdx = index + 12;
        String method = buf.toString(methodIdx, (int) methodLen, StandardCharsets.UTF_8);
        int seqIdx = methodIdx + (int) methodLen;
        int seqId = buf.getInt(seqIdx);
        return new KitexEnvelope(msgType, method, seqId, seqIdx + 4, end - seqIdx - 4);
    }
}
