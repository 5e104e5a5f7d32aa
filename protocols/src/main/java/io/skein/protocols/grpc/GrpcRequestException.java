package io.skein.protocols.grpc;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;

/**
 * Request headers a server rejects ({@link GrpcRequestHeaders#parse}), with the response that
 * rejects them: an HTTP status and the gRPC status to put in its headers.
 *
 * <p>{@link #httpStatus()} 200 means a gRPC-level rejection, answered trailers-only
 * ({@link #responseHeaders()} with END_STREAM). Any other value is an HTTP-level rejection (the
 * request may not be gRPC at all): {@link #responseHeaders()} carries that {@code :status}, a
 * plain-text content type and, as grpc-java sends them, {@code grpc-status} and
 * {@code grpc-message}; the transport may send {@link #bodyText()} as the body, or end the stream on
 * the headers. Either way a transport that has not seen END_STREAM from the client also resets the
 * stream (RST_STREAM NO_ERROR or CANCEL) after responding, or drains it.
 */
public final class GrpcRequestException extends RuntimeException {

    private final int httpStatus;
    private final Status status;
    private final boolean advertiseEncodings;

    GrpcRequestException(int httpStatus, Status status, boolean advertiseEncodings) {
        super(httpStatus + " " + requireNonNull(status, "status"), null, false, false);
        this.httpStatus = httpStatus;
        this.status = status;
        this.advertiseEncodings = advertiseEncodings;
    }

    /** The HTTP status of the response: 200 (trailers-only), 404, 405, 415 or 400. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The gRPC status the response carries. */
    public Status status() {
        return status;
    }

    /** Whether the rejection is answered with a gRPC trailers-only response ({@code :status 200}). */
    public boolean isTrailersOnly() {
        return httpStatus == 200;
    }

    /**
     * The response headers (to send with END_STREAM for a trailers-only response, or followed by
     * {@link #bodyText()} otherwise). A rejection for an unsupported {@code grpc-encoding} also lists
     * the supported ones in {@code grpc-accept-encoding}, as the gRPC spec asks.
     */
    public Http2Headers responseHeaders() {
        Http2Headers h;
        if (isTrailersOnly()) {
            h = GrpcHeaders.trailersOnly(status, Metadata.EMPTY);
        } else {
            h = new DefaultHttp2Headers(true, 4);
            h.status(AsciiString.of(Integer.toString(httpStatus)));
            h.set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.CONTENT_TYPE_TEXT);
            GrpcStatusCodec.toTrailers(status, h);
        }
        if (advertiseEncodings) {
            h.set(GrpcHeaders.GRPC_ACCEPT_ENCODING, GrpcCompression.ACCEPT_ENCODING);
        }
        return h;
    }

    /** A plain-text body for an HTTP-level rejection: the status message (UTF-8). */
    public String bodyText() {
        return status.message();
    }
}
