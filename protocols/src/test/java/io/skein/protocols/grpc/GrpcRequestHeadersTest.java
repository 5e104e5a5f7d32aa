package io.skein.protocols.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GrpcRequestHeadersTest {

    private static Http2Headers valid() {
        return GrpcRequestHeaders.builder("grpc.testing.TestService/UnaryCall").authority("localhost:8080").build();
    }

    @Test
    void buildsRequestHeadersInSpecOrder() {
        Http2Headers h = GrpcRequestHeaders.builder("grpc.testing.TestService/UnaryCall")
                .authority("localhost:8080")
                .timeoutNanos(TimeUnit.SECONDS.toNanos(1))
                .encoding(GrpcCompression.GZIP)
                .metadata(Metadata.builder().put("x-grpc-test-echo-initial", "v").putPersistent("trace", "t").build())
                .build();
        assertEquals(List.of(
                ":method=POST",
                ":scheme=http",
                ":path=/grpc.testing.TestService/UnaryCall",
                ":authority=localhost:8080",
                "te=trailers",
                "grpc-timeout=1000000u",
                "content-type=application/grpc",
                "grpc-encoding=gzip",
                "grpc-accept-encoding=gzip",
                "user-agent=" + GrpcHeaders.USER_AGENT_VALUE,
                "x-grpc-test-echo-initial=v",
                "rpc-persist-trace=t"), GrpcMetadataTest.entries(h));
        assertTrue(GrpcHeaders.USER_AGENT_VALUE.toString().startsWith("skein/"));
        assertFalse(GrpcHeaders.VERSION.startsWith("${"), GrpcHeaders.VERSION);
    }

    @Test
    void minimalRequestHeaders() {
        Http2Headers h = GrpcRequestHeaders.builder("a.B/C").scheme("https").acceptEncoding(null).userAgent(null).build();
        assertEquals(List.of(":method=POST", ":scheme=https", ":path=/a.B/C", "te=trailers",
                             "content-type=application/grpc"), GrpcMetadataTest.entries(h));
    }

    @Test
    void parsesWhatItBuilds() {
        Http2Headers h = GrpcRequestHeaders.builder("grpc.testing.TestService/UnaryCall")
                .authority("localhost:8080").timeoutNanos(1_500_000).encoding(GrpcCompression.GZIP)
                .metadata(Metadata.builder().put("k", "v").put("b-bin", "AAE=").putPersistent("p", "q").build())
                .build();
        GrpcRequest r = GrpcRequestHeaders.parse(h);
        assertEquals("grpc.testing.TestService/UnaryCall", r.fullMethodName());
        assertEquals("grpc.testing.TestService", r.serviceName());
        assertEquals("UnaryCall", r.methodName());
        assertEquals("localhost:8080", r.authority());
        assertTrue(r.hasTimeout());
        assertEquals(1_500_000, r.timeoutNanos());
        assertSame(GrpcCompression.GZIP, r.encoding());
        assertTrue(r.accepts(GrpcCompression.GZIP));
        assertTrue(r.accepts(GrpcCompression.IDENTITY));
        assertEquals(GrpcHeaders.USER_AGENT_VALUE.toString(), r.userAgent());
        assertEquals(Metadata.builder().put("k", "v").put("b-bin", "AAE").putPersistent("p", "q").build(), r.metadata());

        GrpcRequest plain = GrpcRequestHeaders.parse(GrpcRequestHeaders.builder("a.B/C").acceptEncoding(null).build());
        assertFalse(plain.hasTimeout());
        assertEquals(GrpcRequest.NO_TIMEOUT, plain.timeoutNanos());
        assertSame(GrpcCompression.IDENTITY, plain.encoding());
        assertNull(plain.authority());
        assertFalse(plain.accepts(GrpcCompression.GZIP));
    }

    @Test
    void acceptsGrpcContentTypeVariantsAndHost() {
        for (String ct : new String[] {"application/grpc", "application/grpc+proto", "application/grpc+json",
                                       "application/grpc;charset=utf-8", "Application/GRPC"}) {
            Http2Headers h = valid().set("content-type", ct);
            assertEquals("grpc.testing.TestService/UnaryCall", GrpcRequestHeaders.parse(h).fullMethodName(), ct);
        }
        Http2Headers h = valid();
        h.remove(":authority");
        h.set("host", "example.com");
        assertEquals("example.com", GrpcRequestHeaders.parse(h).authority());
    }

    private static GrpcRequestException rejected(Consumer<Http2Headers> change) {
        Http2Headers h = valid();
        change.accept(h);
        return assertThrows(GrpcRequestException.class, () -> GrpcRequestHeaders.parse(h));
    }

    private static void assertRejected(GrpcRequestException e, int http, StatusCode code, String message) {
        assertEquals(http, e.httpStatus(), e.getMessage());
        assertEquals(code, e.status().code(), e.getMessage());
        assertEquals(message, e.status().message());
        Http2Headers response = e.responseHeaders();
        assertEquals(Integer.toString(http), response.status().toString());
        assertEquals(Integer.toString(code.value()), response.get("grpc-status").toString());
        assertEquals(e.status(), GrpcStatusCodec.fromTrailers(response));
        assertEquals(http == 200 ? "application/grpc" : "text/plain; charset=utf-8", response.get("content-type").toString());
        assertEquals(http == 200, e.isTrailersOnly());
        assertEquals(message, e.bodyText());
        // What a Skein client makes of that response.
        Status seen = GrpcHeaders.checkResponseHeaders(response);
        if (http == 200) {
            assertSame(Status.OK, seen);
        } else {
            assertEquals(e.status(), seen);
        }
    }

    @Test
    void rejectsBadPaths() {
        assertRejected(rejected(h -> h.remove(":path")), 404, StatusCode.UNIMPLEMENTED, "Expected path but is missing");
        assertRejected(rejected(h -> h.path("a.B/C")), 404, StatusCode.UNIMPLEMENTED, "Expected path to start with /: a.B/C");
        for (String path : new String[] {"/", "/a.B", "/a.B/", "//C", "/a.B/C?x=1", "/a B/C"}) {
            assertRejected(rejected(h -> h.path(path)), 200, StatusCode.UNIMPLEMENTED,
                    "Malformed method name in :path '" + path + "' (expected: /package.Service/Method)");
        }
    }

    @Test
    void rejectsWrongContentTypeWith415() {
        assertRejected(rejected(h -> h.remove("content-type")), 415, StatusCode.INTERNAL,
                "Content-Type is missing from the request");
        for (String ct : new String[] {"text/html", "application/grpcx", "application/grp", "application/json",
                                       "application/grpc-web"}) {
            assertRejected(rejected(h -> h.set("content-type", ct)), 415, StatusCode.INTERNAL,
                    "Content-Type '" + ct + "' is not supported");
        }
    }

    @Test
    void rejectsMethodsOtherThanPostWith405() {
        assertRejected(rejected(h -> h.method("GET")), 405, StatusCode.INTERNAL, "Method 'GET' is not supported");
        assertRejected(rejected(h -> h.method("post")), 405, StatusCode.INTERNAL, "Method 'post' is not supported");
        assertRejected(rejected(h -> h.remove(":method")), 405, StatusCode.INTERNAL, "Method 'null' is not supported");
    }

    @Test
    void requiresTeTrailersUnlessTold() {
        assertRejected(rejected(h -> h.remove("te")), 200, StatusCode.INTERNAL,
                "Expected header TE: trailers, but <missing> is received. Some intermediate proxy may not support trailers");
        assertRejected(rejected(h -> h.set("te", "gzip")), 200, StatusCode.INTERNAL,
                "Expected header TE: trailers, but gzip is received. Some intermediate proxy may not support trailers");
        Http2Headers h = valid();
        h.remove("te");
        assertEquals("grpc.testing.TestService/UnaryCall", GrpcRequestHeaders.parse(h, false).fullMethodName());
    }

    @Test
    void rejectsMalformedTimeoutWith400() {
        GrpcRequestException e = rejected(h -> h.set("grpc-timeout", "1h"));
        assertEquals(400, e.httpStatus());
        assertEquals(StatusCode.INTERNAL, e.status().code());
        assertTrue(e.status().message().startsWith("malformed grpc-timeout: invalid grpc-timeout '1h'"), e.getMessage());
        assertEquals(StatusCode.INTERNAL, GrpcHeaders.checkResponseHeaders(e.responseHeaders()).code());
    }

    @Test
    void rejectsUnsupportedEncodingAdvertisingSupportedOnes() {
        GrpcRequestException e = rejected(h -> h.set("grpc-encoding", "snappy"));
        assertRejected(e, 200, StatusCode.UNIMPLEMENTED, "Unsupported grpc-encoding 'snappy' (supported: identity, gzip)");
        assertEquals("gzip", e.responseHeaders().get("grpc-accept-encoding").toString());
    }

    @Test
    void rejectsMalformedBinaryMetadataWith400() {
        GrpcRequestException e = rejected(h -> h.set("x-bin", "A"));
        assertEquals(400, e.httpStatus());
        assertEquals(StatusCode.INTERNAL, e.status().code());
    }

    @Test
    void extractsMethodFromPath() {
        assertEquals("pkg.Service/Method", GrpcRequestHeaders.methodFromPath("/pkg.Service/Method"));
        assertEquals("Service/Method", GrpcRequestHeaders.methodFromPath("/Service/Method"));
        assertEquals("a/b/c", GrpcRequestHeaders.methodFromPath("/a/b/c"));
        for (String bad : new String[] {"", "/", "pkg.Service/Method", "/pkg.Service", "/pkg.Service/", "//Method",
                                        "/a/b?c", "/a/b#c", "/a/\u00e9"}) {
            StatusException e = assertThrows(StatusException.class, () -> GrpcRequestHeaders.methodFromPath(bad), bad);
            assertEquals(StatusCode.UNIMPLEMENTED, e.code());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "NoSlash", "/a.B/C", "a.B/", "/C", "a B/C", "a.B/C\u00e9"})
    void builderRejectsBadMethodNames(String name) {
        assertThrows(IllegalArgumentException.class, () -> GrpcRequestHeaders.builder(name));
    }

    @Test
    void builderRejectsNegativeTimeout() {
        assertThrows(IllegalArgumentException.class, () -> GrpcRequestHeaders.builder("a.B/C").timeoutNanos(-1));
    }

    @Test
    void responseHeadersAndTrailers() {
        Metadata md = Metadata.builder().put("x-grpc-test-echo-initial", "v").build();
        assertEquals(List.of(":status=200", "content-type=application/grpc", "grpc-encoding=gzip",
                             "grpc-accept-encoding=gzip", "x-grpc-test-echo-initial=v"),
                     GrpcMetadataTest.entries(GrpcHeaders.responseHeaders(GrpcCompression.GZIP, md)));
        assertEquals(List.of(":status=200", "content-type=application/grpc", "grpc-accept-encoding=gzip"),
                     GrpcMetadataTest.entries(GrpcHeaders.responseHeaders(GrpcCompression.IDENTITY, Metadata.EMPTY)));
        Metadata tmd = Metadata.builder().put("x-grpc-test-echo-trailing-bin", "q83vEjRWeJA").build();
        assertEquals(List.of("grpc-status=2", "grpc-message=test status message",
                             "x-grpc-test-echo-trailing-bin=q83vEjRWeJA"),
                     GrpcMetadataTest.entries(GrpcHeaders.trailers(Status.of(StatusCode.UNKNOWN, "test status message"), tmd)));
        Http2Headers only = GrpcHeaders.trailersOnly(Status.of(StatusCode.UNIMPLEMENTED, "Method not found: a.B/C"), Metadata.EMPTY);
        assertEquals(List.of(":status=200", "grpc-status=12", "grpc-message=Method not found: a.B/C",
                             "content-type=application/grpc"), GrpcMetadataTest.entries(only));
        assertSame(Status.OK, GrpcHeaders.checkResponseHeaders(only));
        assertEquals(Status.of(StatusCode.UNIMPLEMENTED, "Method not found: a.B/C"), GrpcStatusCodec.fromTrailers(only));
    }

    @Test
    void checksResponseHeadersOnTheClient() {
        assertSame(Status.OK, GrpcHeaders.checkResponseHeaders(
                new DefaultHttp2Headers().status("200").set("content-type", "application/grpc+proto")));
        assertEquals(StatusCode.UNKNOWN, GrpcHeaders.checkResponseHeaders(
                new DefaultHttp2Headers().status("200").set("content-type", "text/html")).code());
        assertEquals(StatusCode.UNKNOWN, GrpcHeaders.checkResponseHeaders(new DefaultHttp2Headers().status("200")).code());
        assertEquals(Status.of(StatusCode.UNAVAILABLE, "HTTP status code 503"), GrpcHeaders.checkResponseHeaders(
                new DefaultHttp2Headers().status("503").set("content-type", "text/html")));
        assertEquals(Status.of(StatusCode.UNIMPLEMENTED, "HTTP status code 404"), GrpcHeaders.checkResponseHeaders(
                new DefaultHttp2Headers().status("404")));
        assertEquals(StatusCode.INTERNAL, GrpcHeaders.checkResponseHeaders(new DefaultHttp2Headers()).code());
    }
}
