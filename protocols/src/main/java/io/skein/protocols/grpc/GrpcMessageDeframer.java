package io.skein.protocols.grpc;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import java.util.function.Consumer;

/**
 * Reassembles the gRPC messages of one stream from its DATA frames, however they are split (one byte
 * per frame works). Not thread-safe: one deframer per stream, used from one thread (the channel's
 * event loop).
 *
 * <p>Use: {@link #feed(ByteBuf)} each DATA frame's bytes, then {@link #poll()} messages until it
 * returns {@code null} (or do both with {@link #decode(ByteBuf, Consumer)}); at END_STREAM call
 * {@link #endOfStream()}, which fails when a message was cut off; {@link #close()} when the stream
 * ends, in every case.
 *
 * <p><b>Buffer ownership.</b> {@link #feed(ByteBuf)} <em>takes ownership</em> of its argument and
 * releases it exactly once, also when it throws (with Netty's {@code Http2FrameListener.onDataRead},
 * which releases the data itself, pass {@code data.retain()}; an {@code Http2DataFrame}'s content is
 * passed as is). Every buffer {@link #poll()} returns belongs to the caller, who releases it.
 * Uncompressed messages are retained slices of the accumulated input (no copy); decompressed ones are
 * new buffers from the allocator. {@link #close()} releases whatever is still buffered.
 *
 * <p><b>Errors</b> (each a {@link StatusException}; afterwards the deframer is failed: it buffers
 * nothing more and every call rethrows the same status):
 * <ul>
 * <li>{@code RESOURCE_EXHAUSTED} "gRPC message exceeds maximum size N: M" as soon as a message header
 *     announces more than the limit, before its payload arrives;</li>
 * <li>{@code RESOURCE_EXHAUSTED} "Decompressed gRPC message exceeds maximum size N" while inflating:
 *     the output never grows past the limit (zip bombs);</li>
 * <li>{@code INTERNAL} for a compressed message on a stream whose {@code grpc-encoding} is identity or
 *     unsupported, a flag byte other than 0 or 1, or corrupt gzip data;</li>
 * <li>{@code INTERNAL} "incomplete message" from {@link #endOfStream()} when the stream ended inside
 *     a message.</li>
 * </ul>
 */
public final class GrpcMessageDeframer implements AutoCloseable {

    /** grpc-java's default limit on received messages, 4 MiB; a sensible value for {@code maxMessageSize}. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024;

    private final ByteBufAllocator alloc;
    private final GrpcCompression compression;
    private final String encodingName;
    private final int maxMessageSize;

    private ByteBuf cumulation;
    private boolean ownCumulation;
    private long bytesConsumed;
    private long messagesRead;
    private boolean lastCompressed;
    private Status failure;
    private boolean ended;
    private boolean closed;

    /**
     * @param alloc          where decompressed messages are allocated
     * @param grpcEncoding   the stream's {@code grpc-encoding} header as received ({@code null} when
     *                       absent means identity); an unsupported name is accepted here, and only a
     *                       message that is actually compressed then fails with {@code INTERNAL}
     * @param maxMessageSize the largest message accepted, compressed on the wire and after
     *                       decompression; at least 0
     */
    public GrpcMessageDeframer(ByteBufAllocator alloc, CharSequence grpcEncoding, int maxMessageSize) {
        this.alloc = requireNonNull(alloc, "alloc");
        if (maxMessageSize < 0) {
            throw new IllegalArgumentException("maxMessageSize: " + maxMessageSize + " (expected: >= 0)");
        }
        this.compression = GrpcCompression.forName(grpcEncoding);
        this.encodingName = grpcEncoding == null ? "identity" : grpcEncoding.toString();
        this.maxMessageSize = maxMessageSize;
    }

    /** A deframer for a stream with the given (supported) compression. */
    public GrpcMessageDeframer(ByteBufAllocator alloc, GrpcCompression compression, int maxMessageSize) {
        this(alloc, requireNonNull(compression, "compression").encodingName(), maxMessageSize);
    }

    /** The largest message accepted. */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * Appends the readable bytes of {@code data} (one DATA frame's payload, any size, possibly empty)
     * to the bytes not yet returned. Takes ownership of {@code data} and releases it.
     *
     * @throws StatusException when the deframer already failed
     * @throws IllegalStateException after {@link #endOfStream()} or {@link #close()}
     */
    public void feed(ByteBuf data) {
        requireNonNull(data, "data");
        if (closed || ended || failure != null) {
            data.release();
            if (failure != null) {
                throw failure.asException();
            }
            throw new IllegalStateException(closed ? "deframer closed" : "stream already ended");
        }
        if (!data.isReadable()) {
            data.release();
            return;
        }
        if (cumulation == null) {
            // Adopted as is: only read from (sliced), never written into, since the caller's buffer may
            // share memory beyond its writer index (a duplicate, say).
            cumulation = data;
            ownCumulation = false;
            return;
        }
        try {
            int required = data.readableBytes();
            ByteBuf c = cumulation;
            if (ownCumulation && (c.refCnt() == 1 ? required <= c.maxWritableBytes()
                                                  : required <= c.maxFastWritableBytes())) {
                // Writing past the writer index never touches the regions of slices handed out.
                c.writeBytes(data, data.readerIndex(), required);
            } else {
                int readable = c.readableBytes();
                ByteBuf next = alloc.buffer(Math.max(readable + required, 256));
                next.writeBytes(c, c.readerIndex(), readable).writeBytes(data, data.readerIndex(), required);
                cumulation = next;
                ownCumulation = true;
                c.release();
            }
        } finally {
            data.release();
        }
    }

    /**
     * The next complete message, or {@code null} when the bytes for one have not all arrived. The caller
     * owns (and releases) the returned buffer; it holds the decompressed message when the message was
     * compressed.
     *
     * @throws StatusException as described in the class comment; nothing is leaked
     */
    public ByteBuf poll() {
        if (failure != null) {
            throw failure.asException();
        }
        if (closed || cumulation == null) {
            return null;
        }
        ByteBuf in = cumulation;
        int readable = in.readableBytes();
        if (readable < GrpcMessageFramer.HEADER_SIZE) {
            return null;
        }
        int start = in.readerIndex();
        int flag = in.getUnsignedByte(start);
        long length = in.getUnsignedInt(start + 1);
        if (flag != GrpcMessageFramer.FLAG_UNCOMPRESSED && flag != GrpcMessageFramer.FLAG_COMPRESSED) {
            throw fail(StatusCode.INTERNAL, "gRPC frame header malformed: reserved bits not zero (flag 0x"
                    + Integer.toHexString(flag) + ')');
        }
        if (length > maxMessageSize) {
            throw fail(StatusCode.RESOURCE_EXHAUSTED,
                    "gRPC message exceeds maximum size " + maxMessageSize + ": " + length);
        }
        boolean compressed = flag == GrpcMessageFramer.FLAG_COMPRESSED;
        if (compressed && (compression == null || compression == GrpcCompression.IDENTITY)) {
            throw fail(StatusCode.INTERNAL, compression == null
                    ? "Can't decode compressed gRPC message: unsupported grpc-encoding '" + encodingName + '\''
                    : "Can't decode compressed gRPC message as compression not configured (grpc-encoding identity)");
        }
        int len = (int) length;
        if (readable - GrpcMessageFramer.HEADER_SIZE < len) {
            return null;
        }
        in.skipBytes(GrpcMessageFramer.HEADER_SIZE);
        ByteBuf message;
        if (compressed) {
            ByteBuf payload = in.slice(in.readerIndex(), len);
            try {
                message = compression.decompress(alloc, payload, maxMessageSize);
            } catch (StatusException e) {
                throw fail(e.code(), e.status().message());
            }
            in.skipBytes(len);
        } else {
            message = in.readRetainedSlice(len);
        }
        bytesConsumed += GrpcMessageFramer.HEADER_SIZE + (long) len;
        messagesRead++;
        lastCompressed = compressed;
        trim();
        return message;
    }

    /**
     * Feeds {@code data} (taking ownership, see {@link #feed(ByteBuf)}) and hands every message that is
     * now complete to {@code sink}, in order; each becomes the sink's to release. Returns how many were
     * delivered. When the sink throws, the messages not yet delivered stay buffered for {@link #poll()}.
     */
    public int decode(ByteBuf data, Consumer<? super ByteBuf> sink) {
        requireNonNull(sink, "sink");
        feed(data);
        int n = 0;
        for (ByteBuf m; (m = poll()) != null; n++) {
            sink.accept(m);
        }
        return n;
    }

    /**
     * Whether bytes of a message that has not completely arrived are buffered, that is, the buffered
     * bytes do not end at a message boundary. Complete messages not yet polled do not count.
     */
    public boolean hasPartialMessage() {
        if (cumulation == null || closed) {
            return false;
        }
        int index = cumulation.readerIndex();
        int end = cumulation.writerIndex();
        while (index < end) {
            if (end - index < GrpcMessageFramer.HEADER_SIZE) {
                return true;
            }
            long next = index + GrpcMessageFramer.HEADER_SIZE + cumulation.getUnsignedInt(index + 1);
            if (next > end) {
                return true;
            }
            index = (int) next;
        }
        return false;
    }

    /** The number of buffered bytes not yet returned as messages (headers included). */
    public int bufferedBytes() {
        return cumulation == null ? 0 : cumulation.readableBytes();
    }

    /**
     * The wire bytes (5-byte headers plus payloads as received) of all messages {@link #poll()} has
     * returned so far: what a transport returns to HTTP/2 flow control as it delivers messages.
     */
    public long bytesConsumed() {
        return bytesConsumed;
    }

    /**
     * Whether the message {@link #poll()} returned last arrived compressed (its flag was 1); false before
     * the first message. gRPC lets a sender leave single messages of a compressed stream uncompressed,
     * so this is per message, not per stream.
     */
    public boolean wasCompressed() {
        return lastCompressed;
    }

    /** How many messages {@link #poll()} has returned so far. */
    public long messagesRead() {
        return messagesRead;
    }

    /**
     * Marks the end of the stream (END_STREAM): no more {@link #feed(ByteBuf)}. Complete messages still
     * buffered can be polled afterwards.
     *
     * @throws StatusException {@code INTERNAL} "incomplete message" when the stream ended inside a
     *                         message (the deframer is then failed and its bytes released)
     */
    public void endOfStream() {
        if (failure != null) {
            throw failure.asException();
        }
        ended = true;
        if (hasPartialMessage()) {
            throw fail(StatusCode.INTERNAL, "Encountered end-of-stream mid-frame: incomplete message ("
                    + bufferedBytes() + " bytes buffered)");
        }
    }

    /** Whether {@link #endOfStream()} was called. */
    public boolean isEnded() {
        return ended;
    }

    /** The failure this deframer ended with, or {@code null}. */
    public Status failure() {
        return failure;
    }

    /** Releases everything still buffered. Idempotent; the deframer returns no more messages. */
    @Override
    public void close() {
        closed = true;
        releaseCumulation();
    }

    private StatusException fail(StatusCode code, String message) {
        failure = Status.of(code, message);
        releaseCumulation();
        return failure.asException();
    }

    private void trim() {
        if (!cumulation.isReadable()) {
            releaseCumulation();
        } else if (ownCumulation && cumulation.refCnt() == 1) {
            // No slice shares it: reclaim the space of what was read, as ByteToMessageDecoder does.
            cumulation.discardSomeReadBytes();
        }
    }

    private void releaseCumulation() {
        if (cumulation != null) {
            ByteBuf c = cumulation;
            cumulation = null;
            c.release();
        }
    }
}
