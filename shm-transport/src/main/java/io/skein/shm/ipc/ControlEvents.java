package io.skein.shm.ipc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * The events on a Shmipc session's Unix-domain-socket control connection (shmipc-go
 * {@code protocol_event.go}): an 8-byte header — {@code length u32} (the whole event, header included),
 * {@code magic u16 = 0x7758}, {@code version u8}, {@code type u8}, all big-endian — and a body that
 * depends on the type. Pure encoding and decoding; the session decides what each event means.
 */
public final class ControlEvents {

    public static final int HEADER = 8;
    public static final int MAGIC = 0x7758;
    /** The highest protocol version spoken (shmipc-go v0.2.0: 2 and 3). */
    public static final int MAX_VERSION = 3;

    public static final int SHARE_MEMORY_BY_FILE_PATH = 0;
    public static final int POLLING = 1;
    public static final int STREAM_CLOSE = 2;
    public static final int FALLBACK_DATA = 3;
    public static final int EXCHANGE_PROTO_VERSION = 4;
    public static final int SHARE_MEMORY_BY_MEMFD = 5;
    public static final int ACK_SHARE_MEMORY = 6;
    public static final int ACK_READY_RECV_FD = 7;
    public static final int HOT_RESTART = 8;
    public static final int HOT_RESTART_ACK = 9;

    /** Bytes of a fallback event before its payload: the header, the stream id and the status. */
    public static final int FALLBACK_HEADER = HEADER + 8;

    private static final String[] NAMES = {"ShareMemoryByFilePath", "Polling", "StreamClose", "FallbackData",
        "ExchangeProtoVersion", "ShareMemoryByMemfd", "AckShareMemory", "AckReadyRecvFD", "HotRestart", "HotRestartAck"};

    private ControlEvents() {
    }

    /** The event type's name in shmipc-go's words (for logs). */
    public static String name(int type) {
        return type >= 0 && type < NAMES.length ? NAMES[type] : "<UNSET>" + type;
    }

    /** A body-less event (polling, version exchange, acks). */
    public static ByteBuf bare(ByteBufAllocator alloc, int version, int type) {
        return writeHeader(alloc.buffer(HEADER), HEADER, version, type);
    }

    /** Shared memory by file path (or the metadata of a memfd offer): queue path, then buffer path. */
    public static ByteBuf sharedMemory(ByteBufAllocator alloc, int version, int type, String queuePath,
                                       String bufferPath) {
        byte[] q = queuePath.getBytes(StandardCharsets.UTF_8);
        byte[] b = bufferPath.getBytes(StandardCharsets.UTF_8);
        if (q.length > 0xFFFF || b.length > 0xFFFF) {
            throw new IllegalArgumentException("shared memory path too long");
        }
        int length = HEADER + 2 + q.length + 2 + b.length;
        ByteBuf out = writeHeader(alloc.buffer(length), length, version, type);
        out.writeShort(q.length).writeBytes(q).writeShort(b.length).writeBytes(b);
        return out;
    }

    /** The header and prefix of a fallback event whose {@code payloadLength} bytes follow. */
    public static ByteBuf fallbackHeader(ByteBufAllocator alloc, int version, int streamId, int status,
                                         int payloadLength) {
        ByteBuf out = writeHeader(alloc.buffer(FALLBACK_HEADER), FALLBACK_HEADER + payloadLength, version, FALLBACK_DATA);
        return out.writeInt(streamId).writeInt(status);
    }

    /** Stream close, sent over the socket when the IO queue is full. */
    public static ByteBuf streamClose(ByteBufAllocator alloc, int version, int streamId) {
        return writeHeader(alloc.buffer(HEADER + 4), HEADER + 4, version, STREAM_CLOSE).writeInt(streamId);
    }

    private static ByteBuf writeHeader(ByteBuf out, int length, int version, int type) {
        return out.writeInt(length).writeShort(MAGIC).writeByte(version).writeByte(type);
    }

    public static int length(ByteBuf event) {
        return event.getInt(event.readerIndex());
    }

    public static int version(ByteBuf event) {
        return event.getUnsignedByte(event.readerIndex() + 6);
    }

    public static int type(ByteBuf event) {
        return event.getUnsignedByte(event.readerIndex() + 7);
    }

    /**
     * Why {@code event} (one whole event) is not a valid event, or {@code null}: shmipc-go's checks
     * (magic, a non-zero version, a known type) plus a length that covers the type's fixed body.
     */
    public static String invalid(ByteBuf event) {
        int at = event.readerIndex();
        int magic = event.getUnsignedShort(at + 4);
        if (magic != MAGIC) {
            return "bad magic 0x" + Integer.toHexString(magic);
        }
        if (version(event) == 0) {
            return "version 0";
        }
        int type = type(event);
        if (type > HOT_RESTART_ACK) {
            return "unknown event type " + type;
        }
        int body = event.readableBytes() - HEADER;
        int needs = switch (type) {
            case STREAM_CLOSE -> 4;
            case FALLBACK_DATA -> 8;
            case HOT_RESTART, HOT_RESTART_ACK -> 8;
            case SHARE_MEMORY_BY_FILE_PATH, SHARE_MEMORY_BY_MEMFD -> 4;
            default -> 0;
        };
        return body < needs ? name(type) + " event of " + event.readableBytes() + " bytes is too short" : null;
    }

    /** The two paths of a shared-memory event: {@code [queuePath, bufferPath]}; null when they run past the event. */
    public static String[] paths(ByteBuf event) {
        int at = event.readerIndex() + HEADER;
        int end = event.writerIndex();
        if (at + 2 > end) {
            return null;
        }
        int qLen = event.getUnsignedShort(at);
        if (at + 2 + qLen + 2 > end) {
            return null;
        }
        String q = event.toString(at + 2, qLen, StandardCharsets.UTF_8);
        int bAt = at + 2 + qLen;
        int bLen = event.getUnsignedShort(bAt);
        if (bAt + 2 + bLen > end) {
            return null;
        }
        return new String[] {q, event.toString(bAt + 2, bLen, StandardCharsets.UTF_8)};
    }
}
