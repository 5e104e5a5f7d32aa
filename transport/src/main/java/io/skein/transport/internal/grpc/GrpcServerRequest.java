package io.skein.transport.internal.grpc;

import io.netty.handler.codec.http2.Http2Headers;
import io.skein.protocols.Metadata;
import io.skein.protocols.grpc.GrpcCompression;
import io.skein.protocols.grpc.GrpcRequest;
import io.skein.protocols.grpc.GrpcRequestException;
import io.skein.protocols.grpc.GrpcRequestHeaders;
import java.util.concurrent.TimeUnit;

/**
 * The request headers of a gRPC call as the server uses them, checked by
 * {@link GrpcRequestHeaders#parse} (POST, {@code application/grpc*}, a {@code /package.Service/Method}
 * path, {@code te: trailers}, a valid {@code grpc-timeout}, a supported {@code grpc-encoding}). A
 * request that fails a check is {@link Rejected} with the response gRPC prescribes.
 * {@code responseEncoding} is the default compression of the responses; {@code acceptsGzip} whether the
 * client takes gzip responses at all (a service may ask for them).
 */
record GrpcServerRequest(String method, Metadata metadata, long timeoutMillis, GrpcCompression encoding,
                         GrpcCompression responseEncoding, boolean acceptsGzip) {

    /**
     * A request refused before any call starts, with its response: trailers-only for a gRPC-level
     * rejection ({@code :status 200}); for an HTTP-level one (404, 405, 415, 400) the headers and then the
     * status message as a {@code text/plain} body, as grpc-java's server answers.
     */
    static final class Rejected extends Exception {
        private final transient Http2Headers headers;
        private final String body;

        Rejected(Http2Headers headers, String body) {
            super(null, null, false, false);
            this.headers = headers;
            this.body = body;
        }

        /** The response headers; they end the stream when there is no {@link #body()}. */
        Http2Headers headers() {
            return headers;
        }

        /** The body of an HTTP-level rejection (UTF-8 text), or {@code null} for a trailers-only one. */
        String body() {
            return body;
        }
    }

    static GrpcServerRequest parse(Http2Headers headers) throws Rejected {
        GrpcRequest request;
        try {
            request = GrpcRequestHeaders.parse(headers);
        } catch (GrpcRequestException e) {
            throw new Rejected(e.responseHeaders(), e.isTrailersOnly() ? null : e.bodyText());
        }
        long timeoutMillis = request.hasTimeout()
                ? Math.max(1, TimeUnit.NANOSECONDS.toMillis(request.timeoutNanos() + 999_999)) : 0;
        // Answer compressed when the client compressed its request and accepts gzip back.
        boolean acceptsGzip = request.accepts(GrpcCompression.GZIP);
        GrpcCompression responseEncoding = request.encoding() == GrpcCompression.GZIP
                && acceptsGzip ? GrpcCompression.GZIP : GrpcCompression.IDENTITY;
        return new GrpcServerRequest(request.fullMethodName(), request.metadata(), timeoutMillis, request.encoding(),
                responseEncoding, acceptsGzip);
    }
}
