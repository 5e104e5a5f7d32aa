package io.skein.transport.internal;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.grpc.GrpcCompression;
import io.skein.protocols.grpc.GrpcMetadata;
import io.skein.protocols.grpc.GrpcTimeout;
import java.util.concurrent.TimeUnit;

/**
 * The request headers of a gRPC call, checked: POST, {@code application/grpc*}, a
 * {@code /package.Service/Method} path, {@code te: trailers}, a valid {@code grpc-timeout} and a
 * supported {@code grpc-encoding}. A request that fails a check is {@link Rejected} with the response
 * gRPC prescribes (an HTTP error for a non-gRPC request, a trailers-only gRPC status otherwise).
 */
record GrpcServerRequest(String method, Metadata metadata, long timeoutMillis, GrpcCompression encoding,
                         GrpcCompression responseEncoding) {

    /** A request refused before any call starts, with its response. */
    static final class Rejected extends Exception {
        private final transient Http2HeadersFrame response;

        Rejected(Http2HeadersFrame response) {
            super(null, null, false, false);
            this.response = response;
        }

        Http2HeadersFrame response() {
            return response;
        }
    }

    static GrpcServerRequest parse(Http2Headers headers, int maxMessageSize) throws Rejected {
        if (!"POST".contentEquals(orEmpty(headers.method()))) {
            throw new Rejected(httpError(405, "gRPC requires POST"));
        }
        CharSequence contentType = headers.get("content-type");
        if (contentType == null || !contentType.toString().startsWith("application/grpc")) {
            throw new Rejected(httpError(415, "content-type must be application/grpc, got " + contentType));
        }
        String path = orEmpty(headers.path()).toString();
        int slash = path.indexOf('/', 1);
        if (!path.startsWith("/") || slash < 2 || slash == path.length() - 1) {
            throw reject(StatusCode.UNIMPLEMENTED, "malformed method path " + path);
        }
        CharSequence te = headers.get("te");
        if (te == null || !"trailers".contentEquals(te)) {
            // gRPC requires it to detect proxies that drop trailers; without it the status could be lost.
            throw reject(StatusCode.INTERNAL, "request lacks \"te: trailers\"");
        }
        long timeoutMillis = 0;
        CharSequence timeout = headers.get("grpc-timeout");
        if (timeout != null) {
            try {
                long nanos = GrpcTimeout.decodeNanos(timeout);
                timeoutMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999));
            } catch (IllegalArgumentException e) {
                throw reject(StatusCode.INTERNAL, "invalid grpc-timeout " + timeout);
            }
        }
        CharSequence encodingName = headers.get("grpc-encoding");
        GrpcCompression encoding = GrpcCompression.forName(encodingName);
        if (encoding == null) {
            Http2HeadersFrame refusal = GrpcServerCallWire.trailersOnly(Status.of(StatusCode.UNIMPLEMENTED,
                    "unsupported grpc-encoding " + encodingName), Metadata.EMPTY);
            refusal.headers().set("grpc-accept-encoding", GrpcCompression.ACCEPT_ENCODING);
            throw new Rejected(refusal);
        }
        CharSequence accepted = headers.get("grpc-accept-encoding");
        // Answer compressed when the client compressed its request and accepts gzip back.
        GrpcCompression responseEncoding = encoding == GrpcCompression.GZIP && accepted != null
                && accepted.toString().contains("gzip") ? GrpcCompression.GZIP : GrpcCompression.IDENTITY;
        return new GrpcServerRequest(path.substring(1), GrpcMetadata.fromHeaders(headers), timeoutMillis, encoding,
                responseEncoding);
    }

    private static CharSequence orEmpty(CharSequence s) {
        return s == null ? "" : s;
    }

    private static Rejected reject(StatusCode code, String message) {
        return new Rejected(GrpcServerCallWire.trailersOnly(Status.of(code, message), Metadata.EMPTY));
    }

    private static Http2HeadersFrame httpError(int status, String message) {
        Http2Headers headers = new DefaultHttp2Headers().status(Integer.toString(status))
                .set("content-type", "text/plain; charset=utf-8");
        headers.set("grpc-status", Integer.toString(StatusCode.INTERNAL.value()));
        headers.set("grpc-message", message);
        return new DefaultHttp2HeadersFrame(headers, true);
    }
}
