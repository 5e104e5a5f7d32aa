package io.skein.protocols.ttheader;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;

/**
 * CloudWeGo's TTHeader framing: constants and allocation-free primitives to write and parse frames
 * directly in a {@link ByteBuf}.
 *
 * <pre>
 * +---------------- 2 bytes ----------------+---------------- 2 bytes ----------------+
 * |                         LENGTH (u32, excludes itself)                              |
 * |        HEADER MAGIC 0x1000              |              FLAGS (u16)                 |
 * |                             SEQUENCE ID (u32)                                      |
 * |   HEADER SIZE (u16, in 4-byte words)    | PROTOCOL ID u8 | NUM TRANSFORMS u8 | ...  |
 * |   TRANSFORM IDs (u8 each) | INFO sections ... | 0x00 padding to a multiple of 4     |
 * |                                   PAYLOAD                                          |
 * </pre>
 *
 * <p>HEADER SIZE counts the bytes from PROTOCOL ID to the end of the padding. Info sections:
 * {@link #INFO_STRKV} (u16 count, then u16-length key and u16-length value, UTF-8),
 * {@link #INFO_INTKV} (u16 count, then u16 key and u16-length value), {@link #INFO_ACL_TOKEN}
 * (one u16-length string) and {@link #INFO_PADDING} (a single zero byte, accepted anywhere as Kitex
 * does).
 *
 * <p>Writing is a sequence of calls on one buffer: {@link #writeFixedHeader}, then for each info
 * section {@link #writeInfoHeader} followed by its entries, then {@link #finishHeader}, the payload,
 * and finally {@link #finishFrame}. Nothing is staged in intermediate buffers: the header size and
 * the length are patched in place.
 */
public final class TTHeader {

    /** The header magic, bytes 4..5 of every frame. */
    public static final int MAGIC = 0x1000;
    /** LENGTH, magic, flags, sequence id and header size: the 14 bytes before PROTOCOL ID. */
    public static final int FIXED_HEADER_SIZE = 14;
    /** The smallest valid frame: the fixed header plus 4 header bytes (protocol id, no transforms, padding). */
    public static final int MIN_FRAME_SIZE = FIXED_HEADER_SIZE + 4;
    /** The largest header (HEADER SIZE is a u16 count of 4-byte words). */
    public static final int MAX_HEADER_SIZE = 4 * 0xFFFF;
    /** The largest LENGTH Kitex accepts ({@code ttheader.MaxFrameSize}). */
    public static final int MAX_LENGTH = 0x3FFF_FFFF;
    /** The longest string in an info section (u16 length). */
    public static final int MAX_STRING_LENGTH = 0xFFFF;

    /** Flag: the peer supports out-of-order responses. */
    public static final int FLAG_SUPPORT_OUT_OF_ORDER = 0x01;
    /** Flag: Kitex's TTHeader streaming ("ttstream") frame. */
    public static final int FLAG_STREAMING = 0x02;
    /** Flag: duplex reverse. */
    public static final int FLAG_DUPLEX_REVERSE = 0x08;
    /** Flag: SASL. */
    public static final int FLAG_SASL = 0x10;

    /** Protocol id: Thrift binary; also Kitex's {@code ProtocolIDDefault}, which Kitex writes for Kitex Protobuf. */
    public static final int PROTOCOL_THRIFT_BINARY = 0x00;
    /** Protocol id: Thrift compact (Kitex does not support it). */
    public static final int PROTOCOL_THRIFT_COMPACT = 0x02;
    /** Protocol id: Thrift compact v2; Kitex Protobuf up to Kitex v1.9.1. */
    public static final int PROTOCOL_THRIFT_COMPACT_V2 = 0x03;
    /** Protocol id: Kitex Protobuf (since Kitex v1.9.2). */
    public static final int PROTOCOL_KITEX_PROTOBUF = 0x04;
    /** Protocol id: TTHeader streaming, bare Thrift struct. */
    public static final int PROTOCOL_THRIFT_STRUCT = 0x10;
    /** Protocol id: TTHeader streaming, bare Protobuf message. */
    public static final int PROTOCOL_PROTOBUF_STRUCT = 0x11;

    /** Info id: one byte of padding. */
    public static final int INFO_PADDING = 0x00;
    /** Info id: string key/value pairs. */
    public static final int INFO_STRKV = 0x01;
    /** Info id: integer-keyed pairs ({@link IntKey}). */
    public static final int INFO_INTKV = 0x10;
    /** Info id: ACL (GDPR) token; Kitex exposes it as {@link StrKey#GDPR_TOKEN}. */
    public static final int INFO_ACL_TOKEN = 0x11;

    private TTHeader() {
    }

    /** Receives the info entries of a frame as {@link #parseHeader} meets them, as indexes into the buffer. */
    public interface InfoVisitor {
        /** An {@link #INFO_INTKV} entry. */
        void intKv(ByteBuf buf, int key, int valueIndex, int valueLength);

        /** An {@link #INFO_STRKV} entry. */
        void strKv(ByteBuf buf, int keyIndex, int keyLength, int valueIndex, int valueLength);

        /** An {@link #INFO_ACL_TOKEN} section. */
        void aclToken(ByteBuf buf, int index, int length);
    }

    // ---------------------------------------------------------------- reading

    /**
     * Whether the readable bytes of {@code buf} start like a TTHeader frame: bytes 4..5 are
     * {@code 0x10 0x00}. Needs 6 readable bytes; returns {@code false} with fewer.
     */
    public static boolean isTTHeader(ByteBuf buf) {
        requireNonNull(buf, "buf");
        return buf.readableBytes() >= 6 && buf.getUnsignedShort(buf.readerIndex() + 4) == MAGIC;
    }

    /**
     * Checks the start of the readable bytes of {@code in} and returns the size of the first frame
     * (LENGTH + 4) when all of it is readable, or {@code -1} when more bytes are needed. Nothing is
     * consumed.
     *
     * @param maxFrameSize the largest frame accepted, length field included
     * @throws TooLongFrameException when the frame is larger than {@code maxFrameSize}
     * @throws CorruptedFrameException when the magic is wrong (checked first, once 6 bytes are readable)
     *         or the frame is shorter than the minimum
     */
    public static int frameSize(ByteBuf in, int maxFrameSize) {
        int readable = in.readableBytes();
        if (readable < 4) {
            return -1;
        }
        int start = in.readerIndex();
        if (readable >= 6 && in.getUnsignedShort(start + 4) != MAGIC) {
            throw new CorruptedFrameException(String.format(
                    "not a TTHeader frame: magic 0x%04x, expected 0x1000", in.getUnsignedShort(start + 4)));
        }
        long size = in.getUnsignedInt(start) + 4;
        if (size > maxFrameSize || size - 4 > MAX_LENGTH) {
            throw new TooLongFrameException("TTHeader frame of " + size + " bytes exceeds the limit of "
                                            + Math.min(maxFrameSize, MAX_LENGTH + 4L) + " bytes");
        }
        if (size < MIN_FRAME_SIZE) {
            throw new CorruptedFrameException("TTHeader frame of " + size + " bytes is shorter than the "
                                              + MIN_FRAME_SIZE + "-byte minimum");
        }
        return readable >= size ? (int) size : -1;
    }

    /** The flags of the frame starting at {@code start}. */
    public static int flags(ByteBuf buf, int start) {
        return buf.getUnsignedShort(start + 6);
    }

    /** The sequence id of the frame starting at {@code start}. */
    public static int seqId(ByteBuf buf, int start) {
        return buf.getInt(start + 8);
    }

    /** The protocol id of the frame starting at {@code start}. */
    public static int protocolId(ByteBuf buf, int start) {
        return buf.getUnsignedByte(start + FIXED_HEADER_SIZE);
    }

    /**
     * Validates the header of the complete frame {@code buf[start, end)} and reports its info entries
     * to {@code visitor}. Returns the index where the payload starts (the payload ends at {@code end}).
     * Does not move the buffer's indexes.
     *
     * @throws CorruptedFrameException when anything is inconsistent: length, magic, header size,
     *         transforms (unsupported), section bounds, unknown info ids
     */
    public static int parseHeader(ByteBuf buf, int start, int end, InfoVisitor visitor) {
        int frameSize = end - start;
        if (frameSize < MIN_FRAME_SIZE) {
            throw new CorruptedFrameException("TTHeader frame of " + frameSize + " bytes is shorter than the "
                                              + MIN_FRAME_SIZE + "-byte minimum");
        }
        int seqId = buf.getInt(start + 8);
        long length = buf.getUnsignedInt(start);
        if (length != frameSize - 4) {
            throw corrupted(seqId, "LENGTH " + length + " does not match the " + (frameSize - 4)
                                   + " bytes that follow it");
        }
        int magic = buf.getUnsignedShort(start + 4);
        if (magic != MAGIC) {
            throw corrupted(seqId, String.format("magic 0x%04x, expected 0x1000", magic));
        }
        int headerSize = buf.getUnsignedShort(start + 12) * 4;
        if (headerSize == 0) {
            throw corrupted(seqId, "HEADER SIZE is 0");
        }
        int headerEnd = start + FIXED_HEADER_SIZE + headerSize;
        if (headerEnd > end) {
            throw corrupted(seqId, "HEADER SIZE " + headerSize + " bytes exceeds the frame ("
                                   + (frameSize - FIXED_HEADER_SIZE) + " bytes after the fixed header)");
        }
        int transforms = buf.getUnsignedByte(start + FIXED_HEADER_SIZE + 1);
        if (transforms != 0) {
            throw corrupted(seqId, transforms + " transform(s) present; TTHeader transforms are not supported");
        }
        int idx = start + FIXED_HEADER_SIZE + 2;
        while (idx < headerEnd) {
            int infoId = buf.getUnsignedByte(idx++);
            switch (infoId) {
                case INFO_PADDING:
                    break;
                case INFO_STRKV: {
                    int count = readU16(buf, idx, headerEnd, seqId, "STRKV count");
                    idx += 2;
                    for (int i = 0; i < count; i++) {
                        int keyLen = readU16(buf, idx, headerEnd, seqId, "STRKV key length");
                        int keyIdx = idx + 2;
                        idx = checkString(keyIdx, keyLen, headerEnd, seqId, "STRKV key");
                        int valLen = readU16(buf, idx, headerEnd, seqId, "STRKV value length");
                        int valIdx = idx + 2;
                        idx = checkString(valIdx, valLen, headerEnd, seqId, "STRKV value");
                        visitor.strKv(buf, keyIdx, keyLen, valIdx, valLen);
                    }
                    break;
                }
                case INFO_INTKV: {
                    int count = readU16(buf, idx, headerEnd, seqId, "INTKV count");
                    idx += 2;
                    for (int i = 0; i < count; i++) {
                        int key = readU16(buf, idx, headerEnd, seqId, "INTKV key");
                        int valLen = readU16(buf, idx + 2, headerEnd, seqId, "INTKV value length");
                        int valIdx = idx + 4;
                        idx = checkString(valIdx, valLen, headerEnd, seqId, "INTKV value");
                        visitor.intKv(buf, key, valIdx, valLen);
                    }
                    break;
                }
                case INFO_ACL_TOKEN: {
                    int len = readU16(buf, idx, headerEnd, seqId, "ACL token length");
                    int valIdx = idx + 2;
                    idx = checkString(valIdx, len, headerEnd, seqId, "ACL token");
                    visitor.aclToken(buf, valIdx, len);
                    break;
                }
                default:
                    throw corrupted(seqId, String.format("unknown info id 0x%02x at header offset %d", infoId,
                                                         idx - 1 - start - FIXED_HEADER_SIZE));
            }
        }
        return headerEnd;
    }

    private static int readU16(ByteBuf buf, int idx, int headerEnd, int seqId, String what) {
        if (idx + 2 > headerEnd) {
            throw corrupted(seqId, "info section truncated: " + what + " runs past the header end");
        }
        return buf.getUnsignedShort(idx);
    }

    private static int checkString(int idx, int len, int headerEnd, int seqId, String what) {
        if (idx + len > headerEnd) {
            throw corrupted(seqId, "info section truncated: " + what + " of " + len
                                   + " bytes runs past the header end");
        }
        return idx + len;
    }

    private static CorruptedFrameException corrupted(int seqId, String what) {
        return new CorruptedFrameException("TTHeader frame for stream " + seqId + ": " + what);
    }

    /**
     * Parses a non-negative ASCII decimal of up to 18 digits; returns {@code -1} when the bytes are
     * empty, too long or not all digits.
     */
    public static long parseDecimal(ByteBuf buf, int index, int length) {
        if (length <= 0 || length > 18) {
            return -1;
        }
        long v = 0;
        for (int i = index, end = index + length; i < end; i++) {
            int d = buf.getByte(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    /** Whether {@code buf[index, index + length)} holds exactly the ASCII bytes of {@code ascii}. */
    public static boolean asciiEquals(ByteBuf buf, int index, int length, String ascii) {
        return length == ascii.length() && asciiStartsWith(buf, index, length, ascii);
    }

    /** Whether {@code buf[index, index + length)} starts with the ASCII bytes of {@code ascii}. */
    public static boolean asciiStartsWith(ByteBuf buf, int index, int length, String ascii) {
        int n = ascii.length();
        if (length < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (buf.getByte(index + i) != (byte) ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes the 14 fixed bytes (LENGTH and HEADER SIZE as placeholders), the protocol id and a zero
     * transform count. Returns the frame's start index, for {@link #finishHeader} and {@link #finishFrame}.
     */
    public static int writeFixedHeader(ByteBuf out, int flags, int seqId, int protocolId) {
        int start = out.writerIndex();
        out.ensureWritable(FIXED_HEADER_SIZE + 2);
        out.writeInt(0);
        out.writeInt(MAGIC << 16 | flags & 0xFFFF);
        out.writeInt(seqId);
        out.writeShort(0);
        out.writeByte(protocolId);
        out.writeByte(0);
        return start;
    }

    /** Writes an info id and the u16 entry count of an {@link #INFO_STRKV} or {@link #INFO_INTKV} section. */
    public static void writeInfoHeader(ByteBuf out, int infoId, int count) {
        if (count > 0xFFFF) {
            throw new IllegalArgumentException("too many entries in one info section: " + count);
        }
        out.writeByte(infoId);
        out.writeShort(count);
    }

    /** Writes one string key/value entry. */
    public static void writeStrKv(ByteBuf out, CharSequence key, CharSequence value) {
        writeString16(out, key);
        writeString16(out, value);
    }

    /** Writes one string key/value entry whose key is {@code keyPrefix + key}, without concatenating. */
    public static void writeStrKv(ByteBuf out, String keyPrefix, CharSequence key, CharSequence value) {
        int lenIdx = out.writerIndex();
        out.writeShort(0);
        int n = ByteBufUtil.writeUtf8(out, keyPrefix) + ByteBufUtil.writeUtf8(out, key);
        patchLength(out, lenIdx, n, key);
        writeString16(out, value);
    }

    /** Writes one integer-keyed entry. */
    public static void writeIntKv(ByteBuf out, int key, CharSequence value) {
        out.writeShort(key);
        writeString16(out, value);
    }

    /** Writes one integer-keyed entry whose value is {@code value[from, to)}. */
    public static void writeIntKv(ByteBuf out, int key, CharSequence value, int from, int to) {
        out.writeShort(key);
        writeString16(out, value, from, to);
    }

    /** Writes one integer-keyed entry whose value is the decimal form of a non-negative number. */
    public static void writeIntKv(ByteBuf out, int key, long decimal) {
        out.writeShort(key);
        writeDecimal16(out, decimal);
    }

    /** Writes a u16 length and the UTF-8 bytes of {@code s}. */
    public static void writeString16(ByteBuf out, CharSequence s) {
        int lenIdx = out.writerIndex();
        out.writeShort(0);
        patchLength(out, lenIdx, ByteBufUtil.writeUtf8(out, s), s);
    }

    /** Writes a u16 length and the UTF-8 bytes of {@code s[from, to)}. */
    public static void writeString16(ByteBuf out, CharSequence s, int from, int to) {
        int lenIdx = out.writerIndex();
        out.writeShort(0);
        patchLength(out, lenIdx, ByteBufUtil.writeUtf8(out, s, from, to), s);
    }

    /** Writes a u16 length and the ASCII decimal digits of a non-negative number. */
    public static void writeDecimal16(ByteBuf out, long v) {
        if (v < 0) {
            throw new IllegalArgumentException("negative decimal: " + v);
        }
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) {
            digits++;
        }
        out.ensureWritable(2 + digits);
        out.writeShort(digits);
        int idx = out.writerIndex();
        for (int i = idx + digits - 1; i >= idx; i--) {
            out.setByte(i, (int) ('0' + v % 10));
            v /= 10;
        }
        out.writerIndex(idx + digits);
    }

    private static void patchLength(ByteBuf out, int lenIdx, int n, CharSequence s) {
        if (n > MAX_STRING_LENGTH) {
            out.writerIndex(lenIdx);
            throw new IllegalArgumentException("TTHeader string of " + n + " UTF-8 bytes exceeds "
                                               + MAX_STRING_LENGTH + ": " + abbreviate(s));
        }
        out.setShort(lenIdx, n);
    }

    private static String abbreviate(CharSequence s) {
        return s.length() <= 40 ? s.toString() : s.subSequence(0, 40) + "...";
    }

    /**
     * Pads the header with zero bytes to a multiple of 4 and patches HEADER SIZE. Returns the index
     * where the payload starts.
     */
    public static int finishHeader(ByteBuf out, int start) {
        int headerSize = out.writerIndex() - start - FIXED_HEADER_SIZE;
        int padding = -headerSize & 3;
        out.writeZero(padding);
        headerSize += padding;
        if (headerSize > MAX_HEADER_SIZE) {
            throw new IllegalArgumentException("TTHeader header of " + headerSize + " bytes exceeds "
                                               + MAX_HEADER_SIZE);
        }
        out.setShort(start + 12, headerSize >>> 2);
        return out.writerIndex();
    }

    /** Patches LENGTH once the payload is written. */
    public static void finishFrame(ByteBuf out, int start) {
        long length = (long) out.writerIndex() - start - 4;
        if (length > MAX_LENGTH) {
            throw new IllegalArgumentException("TTHeader frame LENGTH " + length + " exceeds " + MAX_LENGTH);
        }
        out.setInt(start, (int) length);
    }
}
