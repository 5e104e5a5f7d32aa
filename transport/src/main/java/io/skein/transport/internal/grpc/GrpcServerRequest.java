package io.skein.transport.internal.grpc;

import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
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

    static GrpcServerRequest parse(Http2Headers headers) throws Rejected {
        GrpcRequest request;
        try {
            request = GrpcRequestHeaders.parse(headers);
        } catch (GrpcRequestException e) {
            // Trailers-only rejections carry their status; HTTP-level ones end with the headers too.
            throw new Rejected(new DefaultHttp2HeadersFrame(e.responseHeaders(), true));
        }
        long timeoutMillis = request.hasTimeout()
                ? Math.max(1, TimeUnit.NANOSECONDS.toMillis(request.timeoutNanos() + 999_999)) : 0;
        // Answer compressed when the client compressed its request and accepts gzip back.
        GrpcCompression responseEncoding = request.encoding() == GrpcCompression.GZIP
                && request.accepts(GrpcCompression.GZIP) ? GrpcCompression.GZIP : GrpcCompression.IDENTITY;
        return new GrpcServerRequest(request.fullMethodName(), request.metadata(), timeoutMillis, request.encoding(),
                responseEncoding);
    }
}
