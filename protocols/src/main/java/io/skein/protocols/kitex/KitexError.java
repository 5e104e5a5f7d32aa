package io.skein.protocols.kitex;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.CorruptedFrameException;
import io.skein.protocols.StatusCode;
import java.nio.charset.StandardCharsets;

/**
 * The body of a Kitex protobuf {@link KitexProtobuf#EXCEPTION}: Kitex's
 * {@code message ErrorProto { int32 TypeID = 1; string Message = 2; }}
 * ({@code pkg/remote/codec/protobuf/error.proto}). A Kitex client turns it into a
 * {@code remote.TransError} whose {@code Error()} is the message and whose {@code TypeID()} is the type.
 * Type ids are Thrift's {@code TApplicationException} types plus Kitex's own from 20.
 */
public record KitexError(int typeId, String message) {

    public static final int UNKNOWN_APPLICATION_EXCEPTION = 0;
    public static final int UNKNOWN_METHOD = 1;
    public static final int INVALID_MESSAGE_TYPE = 2;
    public static final int WRONG_METHOD_NAME = 3;
    public static final int BAD_SEQUENCE_ID = 4;
    public static final int MISSING_RESULT = 5;
    /** What Kitex sends for any error a handler returns. */
    public static final int INTERNAL_ERROR = 6;
    public static final int PROTOCOL_ERROR = 7;
    public static final int INVALID_TRANSFORM = 8;
    public static final int INVALID_PROTOCOL = 9;
    public static final int UNSUPPORTED_CLIENT_TYPE = 10;
    public static final int UNKNOWN_SERVICE = 20;
    public static final int NO_SERVICE_NAME = 21;

    /** Checks the message. */
    public KitexError {
        requireNonNull(message, "message");
    }

    /**
     * The type id Skein sends for a status that fails a call as an exception (the runtime's own
     * failures: refusals, its deadline, codec errors, crashes), as a Kitex server would for the same
     * failure: {@link #UNKNOWN_METHOD} for {@code UNIMPLEMENTED} (unknown method or service, or a method
     * of another call kind), {@link #PROTOCOL_ERROR} for {@code INVALID_ARGUMENT} (a request payload that
     * does not parse), {@link #INTERNAL_ERROR} (Kitex's type for any other failure while serving a
     * call, over-limit and handler errors included) otherwise.
     */
    public static int typeIdOf(StatusCode code) {
        return switch (code) {
            case UNIMPLEMENTED -> UNKNOWN_METHOD;
            case INVALID_ARGUMENT -> PROTOCOL_ERROR;
            default -> INTERNAL_ERROR;
        };
    }

    /**
     * The status code of a Kitex exception that carries no Skein status: unknown method or service
     * is {@code UNIMPLEMENTED}, {@link #UNKNOWN_APPLICATION_EXCEPTION} and ids Kitex does not define
     * are {@code UNKNOWN}, the rest (handler errors and protocol failures) {@code INTERNAL}.
     */
    public static StatusCode toStatusCode(int typeId) {
        switch (typeId) {
            case UNKNOWN_METHOD:
            case UNKNOWN_SERVICE:
            case NO_SERVICE_NAME:
                return StatusCode.UNIMPLEMENTED;
            case INVALID_MESSAGE_TYPE:
            case WRONG_METHOD_NAME:
            case BAD_SEQUENCE_ID:
            case MISSING_RESULT:
            case INTERNAL_ERROR:
            case PROTOCOL_ERROR:
            case INVALID_TRANSFORM:
            case INVALID_PROTOCOL:
            case UNSUPPORTED_CLIENT_TYPE:
                return StatusCode.INTERNAL;
            default:
                return StatusCode.UNKNOWN;
        }
    }

    /** Writes {@code ErrorProto} in protobuf form (proto3: default values are omitted). */
    public static void write(ByteBuf out, int typeId, CharSequence message) {
        if (typeId != 0) {
            out.writeByte(0x08);
            writeVarint(out, typeId);
        }
        if (message.length() > 0) {
            out.writeByte(0x12);
            writeVarint(out, ByteBufUtil.utf8Bytes(message));
            ByteBufUtil.writeUtf8(out, message);
        }
    }

    /**
     * Parses {@code ErrorProto} from {@code buf[index, index + length)}; unknown fields are skipped.
     *
     * @throws CorruptedFrameException when the protobuf is malformed
     */
    public static KitexError read(ByteBuf buf, int index, int length) {
        int end = index + length;
        int[] pos = {index};
        int typeId = 0;
        String message = "";
        while (pos[0] < end) {
            long tag = readVarint(buf, pos, end);
            int wireType = (int) (tag & 7);
            long field = tag >>> 3;
            if (field == 1 && wireType == 0) {
                typeId = (int) readVarint(buf, pos, end);
            } else if (field == 2 && wireType == 2) {
                int len = lengthOf(buf, pos, end);
                message = buf.toString(pos[0], len, StandardCharsets.UTF_8);
                pos[0] += len;
            } else if (field == 0 || field == 1 || field == 2) {
                throw new CorruptedFrameException("Kitex ErrorProto: field " + field + " has wire type " + wireType);
            } else {
                switch (wireType) {
                    case 0 -> readVarint(buf, pos, end);
                    case 1 -> skip(pos, 8, end);
                    case 2 -> pos[0] += lengthOf(buf, pos, end);
                    case 5 -> skip(pos, 4, end);
                    default -> throw new CorruptedFrameException("Kitex ErrorProto: unsupported wire type "
                                                                 + wireType);
                }
            }
        }
        return new KitexError(typeId, message);
    }

    private static void writeVarint(ByteBuf out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) (v & 0x7F | 0x80));
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    private static long readVarint(ByteBuf buf, int[] pos, int end) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= end) {
                throw new CorruptedFrameException("Kitex ErrorProto: truncated varint");
            }
            byte b = buf.getByte(pos[0]++);
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw new CorruptedFrameException("Kitex ErrorProto: varint longer than 10 bytes");
    }

    private static int lengthOf(ByteBuf buf, int[] pos, int end) {
        long len = readVarint(buf, pos, end);
        if (len > end - pos[0]) {
            throw new CorruptedFrameException("Kitex ErrorProto: length " + len + " exceeds the message");
        }
        return (int) len;
    }

    private static void skip(int[] pos, int n, int end) {
        if (end - pos[0] < n) {
            throw new CorruptedFrameException("Kitex ErrorProto: truncated fixed-size field");
        }
        pos[0] += n;
    }
}
