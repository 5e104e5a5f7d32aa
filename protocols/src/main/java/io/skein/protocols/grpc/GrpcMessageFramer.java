package io.skein.protocols.grpc;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;

/**
 * Frames serialized messages for gRPC DATA frames: a 1-byte compressed flag, a 4-byte big-endian
 * length and the (possibly compressed) payload ("Length-Prefixed-Message" in gRPC's HTTP/2 spec).
 *
 * <p><b>Buffer ownership.</b> {@link #frame(ByteBuf)} <em>takes ownership</em> of the message: it is
 * released exactly once, always, also when framing fails. The returned buffer is new (allocated from
 * this framer's allocator, or a composite of a small header buffer and the message itself) and belongs
 * to the caller, who writes it to the channel (which releases it) or releases it.
 *
 * <p>Stateless apart from its configuration; one framer can serve many streams and threads.
 */
public final class GrpcMessageFramer {

    /** The size of the prefix before each message: flag byte plus length. */
    public static final int HEADER_SIZE = 5;

    /** Compressed-flag value: the payload is not compressed. */
    public static final int FLAG_UNCOMPRESSED = 0;

    /** Compressed-flag value: the payload is compressed with the stream's {@code grpc-encoding}. */
    public static final int FLAG_COMPRESSED = 1;

    /** Uncompressed messages up to this size are copied behind the header; larger ones are composed. */
    static final int COPY_THRESHOLD = 4096;

    private final ByteBufAllocator alloc;
    private final GrpcCompression compression;
    private final int maxMessageSize;

    /**
     * @param alloc          where frame buffers come from
     * @param compression    how messages are compressed; must match the {@code grpc-encoding} the
     *                       stream announced ({@link GrpcCompression#IDENTITY} sends them as they are)
     * @param maxMessageSize the largest serialized (uncompressed) message this framer sends; larger
     *                       ones fail with {@code RESOURCE_EXHAUSTED}, as grpc-java's
     *                       {@code maxOutboundMessageSize} does
     */
    public GrpcMessageFramer(ByteBufAllocator alloc, GrpcCompression compression, int maxMessageSize) {
        this.alloc = requireNonNull(alloc, "alloc");
        this.compression = requireNonNull(compression, "compression");
        if (maxMessageSize < 0) {
            throw new IllegalArgumentException("maxMessageSize: " + maxMessageSize + " (expected: >= 0)");
        }
        this.maxMessageSize = maxMessageSize;
    }

    /** A framer without compression and without a size limit of its own. */
    public GrpcMessageFramer(ByteBufAllocator alloc) {
        this(alloc, GrpcCompression.IDENTITY, Integer.MAX_VALUE - HEADER_SIZE);
    }

    /** The compression this framer applies. */
    public GrpcCompression compression() {
        return compression;
    }

    /** The largest serialized message this framer accepts. */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * Frames the readable bytes of {@code message}, compressed when this framer compresses.
     * Releases {@code message}; the caller owns the result.
     *
     * @throws StatusException {@code RESOURCE_EXHAUSTED} when the message exceeds
     *                         {@link #maxMessageSize()}
     */
    public ByteBuf frame(ByteBuf message) {
        return frame(message, compression != GrpcCompression.IDENTITY);
    }

    /**
     * Frames the readable bytes of {@code message}; {@code compress = false} sends it uncompressed
     * (flag 0) even on a compressed stream, which gRPC allows per message (useful for tiny messages).
     * Releases {@code message}; the caller owns the result.
     *
     * @throws StatusException {@code RESOURCE_EXHAUSTED} when the message exceeds
     *                         {@link #maxMessageSize()}
     */
    public ByteBuf frame(ByteBuf message, boolean compress) {
        requireNonNull(message, "message");
        ByteBuf out = null;
        try {
            int length = message.readableBytes();
            if (length > maxMessageSize) {
                throw new StatusException(StatusCode.RESOURCE_EXHAUSTED,
                        "gRPC message exceeds maximum size " + maxMessageSize + ": " + length);
            }
            if (compress && compression != GrpcCompression.IDENTITY) {
                out = alloc.buffer(HEADER_SIZE + Math.max(64, length / 2 + 32));
                out.writeZero(HEADER_SIZE);
                compression.compress(message, out);
                int compressed = out.readableBytes() - HEADER_SIZE;
                out.setByte(0, FLAG_COMPRESSED);
                out.setInt(1, compressed);
            } else if (length <= COPY_THRESHOLD) {
                out = alloc.buffer(HEADER_SIZE + length);
                writeHeader(out, false, length);
                out.writeBytes(message, message.readerIndex(), length);
            } else {
                out = alloc.buffer(HEADER_SIZE);
                writeHeader(out, false, length);
                CompositeByteBuf composite = alloc.compositeBuffer(2);
                // From here the composite owns both (it releases them even if adding fails).
                ByteBuf header = out;
                ByteBuf payload = message;
                out = null;
                message = null;
                return composite.addComponents(true, header, payload);
            }
            ByteBuf result = out;
            out = null;
            return result;
        } finally {
            if (message != null) {
                message.release();
            }
            if (out != null) {
                out.release();
            }
        }
    }

    /**
     * Writes the 5-byte prefix of a message of {@code length} payload bytes, for a caller that sends the
     * payload as a buffer of its own (zero copy).
     */
    public static void writeHeader(ByteBuf out, boolean compressed, int length) {
        requireNonNull(out, "out");
        if (length < 0) {
            throw new IllegalArgumentException("length: " + length + " (expected: >= 0)");
        }
        out.writeByte(compressed ? FLAG_COMPRESSED : FLAG_UNCOMPRESSED);
        out.writeInt(length);
    }
}
