package io.skein.protocols.grpc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.util.AsciiString;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The message encodings Skein speaks on gRPC: the values of the {@code grpc-encoding} header.
 * {@link #IDENTITY} means "not compressed"; {@link #GZIP} is RFC 1952 gzip, done with
 * {@link java.util.zip}. Unknown names are not an enum constant: {@link #forName} returns {@code null}
 * for them and the caller decides (a server answers {@code UNIMPLEMENTED}, see
 * {@link GrpcRequestHeaders#parse}).
 */
public enum GrpcCompression {
    /** No compression; never announced in {@code grpc-encoding} (its absence means identity). */
    IDENTITY("identity"),
    /** gzip (RFC 1952). */
    GZIP("gzip");

    /**
     * The value Skein sends in {@code grpc-accept-encoding}: the compressed encodings it can decode.
     * grpc-java advertises the same ({@code identity} is always accepted and not listed).
     */
    public static final AsciiString ACCEPT_ENCODING = AsciiString.cached("gzip");

    private static final int CHUNK = 8192;

    private final String encodingName;
    private final AsciiString asciiName;

    GrpcCompression(String encodingName) {
        this.encodingName = encodingName;
        this.asciiName = AsciiString.cached(encodingName);
    }

    /** The name on the wire, as in {@code grpc-encoding: gzip}. */
    public String encodingName() {
        return encodingName;
    }

    /** {@link #encodingName()} as an {@link AsciiString}, ready for Netty headers. */
    public AsciiString asciiName() {
        return asciiName;
    }

    /**
     * The encoding named by a {@code grpc-encoding} value (case-insensitive, surrounding spaces
     * ignored); a missing ({@code null}) or empty header means {@link #IDENTITY}. Returns {@code null}
     * for a name Skein does not support.
     */
    public static GrpcCompression forName(CharSequence name) {
        if (name == null) {
            return IDENTITY;
        }
        String n = name.toString().trim();
        if (n.isEmpty() || n.equalsIgnoreCase("identity")) {
            return IDENTITY;
        }
        if (n.equalsIgnoreCase("gzip")) {
            return GZIP;
        }
        return null;
    }

    /**
     * Compresses the readable bytes of {@code in} (left untouched, not released) and appends them to
     * {@code out}. For {@link #IDENTITY} this is a plain copy.
     */
    void compress(ByteBuf in, ByteBuf out) {
        if (this == IDENTITY) {
            out.writeBytes(in, in.readerIndex(), in.readableBytes());
            return;
        }
        try (OutputStream gz = new GZIPOutputStream(new ByteBufOutputStream(out), CHUNK)) {
            in.getBytes(in.readerIndex(), gz, in.readableBytes());
        } catch (IOException e) {
            // ByteBufOutputStream never fails with an IOException.
            throw new IllegalStateException(e);
        }
    }

    /**
     * Decompresses the readable bytes of {@code in} (not released, reader index untouched) into a new
     * buffer from {@code alloc}, failing as soon as the output would exceed {@code maxSize} bytes: the
     * whole message is never inflated past the limit (zip bombs).
     *
     * @throws StatusException {@code RESOURCE_EXHAUSTED} over the limit, {@code INTERNAL} for corrupt
     *                         input; nothing is leaked either way
     */
    ByteBuf decompress(ByteBufAllocator alloc, ByteBuf in, int maxSize) {
        if (this == IDENTITY) {
            throw new IllegalStateException("identity is not decompressed");
        }
        int inLength = in.readableBytes();
        ByteBuf out = alloc.buffer(Math.min(maxSize, Math.max(64, Math.min(inLength * 2, 1 << 20))));
        boolean ok = false;
        try (InputStream gz = new GZIPInputStream(new ByteBufInputStream(in.duplicate()), CHUNK)) {
            long total = 0;
            for (;;) {
                // Ask for one byte more than the limit allows so that overflow is seen without
                // inflating anything beyond it.
                long room = (long) maxSize - total + 1;
                int want = (int) Math.min(CHUNK, room);
                out.ensureWritable(want);
                int n = out.writeBytes(gz, want);
                if (n < 0) {
                    break;
                }
                total += n;
                if (total > maxSize) {
                    throw new StatusException(StatusCode.RESOURCE_EXHAUSTED,
                            "Decompressed gRPC message exceeds maximum size " + maxSize);
                }
            }
            ok = true;
            return out;
        } catch (IOException e) {
            throw new StatusException(StatusCode.INTERNAL, "Invalid gzip data in gRPC message: " + e.getMessage());
        } finally {
            if (!ok) {
                out.release();
            }
        }
    }
}
