package io.skein.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.skein.transport.CallContext;
import io.skein.transport.MethodRegistry;
import io.skein.transport.internal.testing.Http2Wire;
import io.skein.transport.internal.testing.Http2Wire.Frame;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed requests (RFC 9113 section 8.1.1) are reset with RST_STREAM(PROTOCOL_ERROR) and get no
 * answer, HTTP or gRPC; the service never sees them and the connection serves on. Well-formed HTTP/2
 * requests that are bad gRPC keep their gRPC answers.
 */
class Http2MalformedRequestTest {

    static final String ECHO = TestServices.ECHO;

    private static final BlockingQueue<CallContext> calls = new LinkedBlockingQueue<>();
    private static ActorTestKit testKit;
    private static NettyResources resources;
    private Http2Wire wire;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("Http2MalformedRequestTest", Servers.config(""));
        resources = NettyResources.get(testKit.system());
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    static MethodRegistry registry() {
        return TestServices.builder()
                .unary(ECHO, (req, ctx) -> {
                    calls.add(ctx);
                    return CompletableFuture.completedFuture(req);
                })
                .build();
    }

    @BeforeEach
    void connect() {
        calls.clear();
        wire = new Http2Wire(registry(), resources);
        wire.handshake();
    }

    @AfterEach
    void close() {
        wire.close();
    }

    private static Arguments malformed(String name, UnaryOperator<Http2Headers> change) {
        return Arguments.of(name, change);
    }

    /** Request headers in order, built without validation so that anything can be sent. */
    private static Http2Headers request(String... namesAndValues) {
        Http2Headers h = new DefaultHttp2Headers(false);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            h.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return h;
    }

    private static final String[] GOOD = {":method", "POST", ":scheme", "http", ":path", "/" + ECHO,
            ":authority", "localhost", "content-type", "application/grpc", "te", "trailers"};

    private static Http2Headers without(String name) {
        Http2Headers h = request(GOOD);
        h.remove(name);
        return h;
    }

    static Stream<Arguments> malformedRequests() {
        return Stream.of(
                malformed("no :method", h -> without(":method")),
                malformed("no :scheme", h -> without(":scheme")),
                malformed("no :path", h -> without(":path")),
                malformed("empty :path", h -> request(GOOD).set(":path", "")),
                malformed(":path not absolute", h -> request(GOOD).set(":path", ECHO)),
                malformed("neither :authority nor host", h -> without(":authority")),
                malformed("empty :authority", h -> request(GOOD).set(":authority", "")),
                malformed(":authority with user info", h -> request(GOOD).set(":authority", "user@localhost")),
                malformed(":authority and host differ", h -> request(GOOD).add("host", "elsewhere")),
                malformed("two host fields", h -> {
                    Http2Headers r = without(":authority");
                    r.add("host", "a");
                    r.add("host", "a");
                    return r;
                }),
                malformed("duplicated :method", h -> request(GOOD).add(":method", "POST")),
                malformed("duplicated :path", h -> request(GOOD).add(":path", "/" + ECHO)),
                malformed("unknown pseudo-header", h -> request(GOOD).add(":color", "blue")),
                malformed("response pseudo-header in a request", h -> request(GOOD).add(":status", "200")),
                malformed(":protocol without extended CONNECT", h -> request(GOOD).add(":protocol", "websocket")),
                malformed("CONNECT with :path", h -> request(GOOD).set(":method", "CONNECT")),
                malformed("uppercase field name", h -> request(GOOD).add("X-Upper", "1")),
                malformed("connection-specific field", h -> request(GOOD).add("connection", "keep-alive")),
                malformed("transfer-encoding", h -> request(GOOD).add("transfer-encoding", "chunked")),
                malformed("te other than trailers", h -> request(GOOD).set("te", "gzip")),
                malformed("value with a line feed", h -> request(GOOD).add("x-a", "a\nb")),
                malformed("value with leading whitespace", h -> request(GOOD).add("x-a", " a")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRequests")
    void aMalformedRequestIsResetWithProtocolErrorAndNotAnswered(String name, UnaryOperator<Http2Headers> headers) {
        // With its message right behind: the server must neither answer nor keep it, nor fail the connection.
        wire.headers(1, headers.apply(null), false).data(1, Http2Wire.grpcMessage("body"), true).send();
        Frame first = wire.next(f -> !(f instanceof Http2Wire.WindowUpdate));
        assertEquals(new Http2Wire.RstStream(1, Http2Error.PROTOCOL_ERROR), first, name);
        List<Frame> after = wire.frames();
        assertTrue(after.stream().noneMatch(f -> f instanceof Http2Wire.Headers || f instanceof Http2Wire.GoAway
                        || f instanceof Http2Wire.RstStream r && r.error() != Http2Error.STREAM_CLOSED),
                () -> "more after the reset: " + after);
        assertTrue(calls.isEmpty(), "the service saw a malformed request");
        wellFormedCallSucceeds(3);
    }

    @Test
    void aPseudoHeaderAfterARegularFieldIsMalformed() {
        byte[] block = Http2Wire.literalHeaderBlock(":method", "POST", ":scheme", "http", ":authority", "localhost",
                "content-type", "application/grpc", "te", "trailers", ":path", "/" + ECHO);
        wire.frame(0x1, 0x4, 1, block).send(); // HEADERS, END_HEADERS
        assertEquals(new Http2Wire.RstStream(1, Http2Error.PROTOCOL_ERROR), wire.nextError());
        assertTrue(calls.isEmpty());
        wellFormedCallSucceeds(3);
    }

    @Test
    void trailersWithAPseudoHeaderAreMalformed() {
        wire.headers(1, request(GOOD), false).data(1, Http2Wire.grpcMessage("x"), false)
                .headers(1, request(":path", "/x"), true).send();
        assertEquals(new Http2Wire.RstStream(1, Http2Error.PROTOCOL_ERROR), wire.nextError());
        wellFormedCallSucceeds(3);
    }

    @Test
    void trailersWithAnInvalidValueAreMalformed() {
        wire.headers(1, request(GOOD), false).data(1, Http2Wire.grpcMessage("x"), false)
                .headers(1, request("x-trailer", "a\rb"), true).send();
        assertEquals(new Http2Wire.RstStream(1, Http2Error.PROTOCOL_ERROR), wire.nextError());
        wellFormedCallSucceeds(3);
    }

    @Test
    void hostInsteadOfAuthorityIsWellFormed() {
        Http2Headers h = without(":authority");
        h.add("host", "localhost");
        wire.headers(1, h, false).data(1, Http2Wire.grpcMessage("by host"), true).send();
        assertGrpcOk(1);
    }

    // ------------------------------------------------------------ well-formed HTTP/2, bad gRPC

    @Test
    void aMissingContentTypeIsHttp415WithTheReasonAsBody() {
        wire.headers(1, without("content-type"), true).send();
        Http2Wire.Headers headers = (Http2Wire.Headers) wire.next(f -> f instanceof Http2Wire.Headers);
        assertEquals("415", headers.headers().status().toString());
        assertFalse(headers.endStream(), "a body follows");
        Http2Wire.Data body = (Http2Wire.Data) wire.next(f -> f instanceof Http2Wire.Data);
        assertTrue(body.endStream());
        assertEquals("Content-Type is missing from the request", body.text());
        assertTrue(calls.isEmpty());
    }

    @Test
    void aGetIsHttp405WithABody() {
        wire.headers(1, request(GOOD).set(":method", "GET"), true).send();
        Http2Wire.Headers headers = (Http2Wire.Headers) wire.next(f -> f instanceof Http2Wire.Headers);
        assertEquals("405", headers.headers().status().toString());
        assertTrue(((Http2Wire.Data) wire.next(f -> f instanceof Http2Wire.Data)).endStream());
    }

    @Test
    void aMissingTeIsTrailersOnlyInternal() {
        wire.headers(1, without("te"), true).send();
        Http2Wire.Headers h = (Http2Wire.Headers) wire.next(f -> f instanceof Http2Wire.Headers);
        assertTrue(h.endStream());
        assertEquals("200", h.headers().status().toString());
        assertEquals("13", String.valueOf(h.headers().get("grpc-status")));
    }

    @Test
    void aMalformedGrpcTimeoutIsHttp400() {
        wire.headers(1, request(GOOD).add("grpc-timeout", "1x"), true).send();
        Http2Wire.Headers h = (Http2Wire.Headers) wire.next(f -> f instanceof Http2Wire.Headers);
        assertEquals("400", h.headers().status().toString());
        assertEquals("13", String.valueOf(h.headers().get("grpc-status")));
    }

    @Test
    void anUnknownMethodIsTrailersOnlyUnimplemented() {
        wire.headers(1, request(GOOD).set(":path", "/test.Nope/Missing"), true).send();
        Http2Wire.Headers h = (Http2Wire.Headers) wire.next(f -> f instanceof Http2Wire.Headers);
        assertTrue(h.endStream());
        assertEquals("12", String.valueOf(h.headers().get("grpc-status")));
    }

    private void wellFormedCallSucceeds(int streamId) {
        wire.headers(streamId, request(GOOD), false).data(streamId, Http2Wire.grpcMessage("ok"), true).send();
        assertGrpcOk(streamId);
    }

    private void assertGrpcOk(int streamId) {
        Http2Wire.Headers trailers = (Http2Wire.Headers) wire.next(f -> f instanceof Http2Wire.Headers h
                && h.streamId() == streamId && h.endStream());
        assertEquals("0", String.valueOf(trailers.headers().get("grpc-status")), () -> "trailers " + trailers);
    }
}
