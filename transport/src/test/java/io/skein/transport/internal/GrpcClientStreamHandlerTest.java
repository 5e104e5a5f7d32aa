package io.skein.transport.internal;

import static io.skein.transport.internal.testing.Http2Peer.describe;
import static io.skein.transport.internal.testing.Http2Peer.grpcMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.protocols.grpc.GrpcCompression;
import io.skein.protocols.grpc.GrpcHeaders;
import io.skein.testing.Await;
import io.skein.testing.LeakDetectionExtension;
import io.skein.transport.CallRefusals;
import io.skein.transport.internal.testing.Http2Peer;
import io.skein.transport.internal.testing.Pump;
import io.skein.transport.internal.testing.Received;
import io.skein.transport.testing.TestServices;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The gRPC client stream handler frame by frame (see {@link GrpcClientHarness}): the test plays the
 * server with HTTP/2 frames and looks at what each call receives and what the client writes.
 */
@ExtendWith(LeakDetectionExtension.class)
class GrpcClientStreamHandlerTest {

    private static final long NO_DEADLINE = 0;
    private static final Metadata H = Metadata.builder().put("h", "1").build();
    private static final Metadata T = Metadata.builder().put("t", "2").build();

    private final GrpcClientHarness client = new GrpcClientHarness("");

    @AfterEach
    void close() {
        client.close();
    }

    private static Http2Headers responseHeaders(Metadata metadata) {
        return GrpcHeaders.responseHeaders(GrpcCompression.IDENTITY, metadata);
    }

    @Test
    void callWritesItsRequestHeadersMessagesAndEndOfStream() {
        GrpcClientHarness.Call call = client.open(TestServices.CHAT, 10, NO_DEADLINE);
        List<Http2Peer.Frame> opened = call.request();
        assertEquals(1, opened.size(), () -> describe(opened).toString());
        Http2Peer.Headers request = assertInstanceOf(Http2Peer.Headers.class, opened.get(0));
        assertEquals(call.streamId(), request.streamId());
        assertFalse(request.endStream());
        assertEquals("POST", request.get(":method"));
        assertEquals("/test.Echo/Chat", request.get(":path"));
        assertEquals("application/grpc", request.get("content-type"));
        assertEquals("trailers", request.get("te"));

        client.send(call, "a");
        client.send(call, "b");
        client.halfClose(call);
        assertEquals(List.of("DATA [a]", "DATA [b]", "DATA+END []"), describe(client.written()));
    }

    @Test
    void responseHeadersMessagesAndTrailersAreDeliveredInOrder() {
        GrpcClientHarness.Call call = client.open(TestServices.CHAT, 10, NO_DEADLINE);
        int id = call.streamId();

        client.headers(id, responseHeaders(H), false);
        client.data(id, grpcMessage("a"), false);
        client.data(id, grpcMessage("b").writeBytes(grpcMessage("c")), false); // two messages in one frame
        client.headers(id, GrpcHeaders.trailers(Status.OK, T), true);

        assertEquals(List.of(new Received.Headers(H), new Received.Message("a"), new Received.Message("b"),
                new Received.Message("c"), new Received.Trailers(Status.OK, T)), call.received());
        assertEquals(List.of("RST_STREAM CANCEL"), describe(client.written()),
                "the call is over; the request side still open is closed with a reset");
    }

    @Test
    void trailersOnlyResponseEndsTheCallWithItsStatus() {
        GrpcClientHarness.Call call = client.open(TestServices.CHAT, 10, NO_DEADLINE);
        client.headers(call.streamId(), GrpcHeaders.trailersOnly(Status.of(StatusCode.NOT_FOUND, "no such thing"), T),
                true);

        assertEquals(List.of(new Received.Trailers(Status.of(StatusCode.NOT_FOUND, "no such thing"), T)),
                call.received());
    }

    static Stream<Arguments> notGrpcResponses() {
        return Stream.of(
                Arguments.of(new DefaultHttp2Headers().status("503"), StatusCode.UNAVAILABLE),
                Arguments.of(new DefaultHttp2Headers().status("200").set("content-type", "text/html"),
                        StatusCode.UNKNOWN),
                Arguments.of(new DefaultHttp2Headers().set("content-type", "application/grpc"), StatusCode.INTERNAL));
    }

    @ParameterizedTest
    @MethodSource("notGrpcResponses")
    void responseHeadersThatAreNotGrpcEndTheCall(Http2Headers headers, StatusCode expected) {
        GrpcClientHarness.Call call = client.open(TestServices.CHAT, 10, NO_DEADLINE);
        client.headers(call.streamId(), headers, false);

        List<Received> received = call.received();
        assertEquals(1, received.size(), received::toString);
        assertEquals(expected, assertInstanceOf(Received.Trailers.class, received.get(0)).status().code());
    }

    static Stream<Arguments> resets() {
        return Stream.of(
                Arguments.of(Http2Error.CANCEL, Status.of(StatusCode.CANCELLED, "stream reset by server (CANCEL)")),
                Arguments.of(Http2Error.REFUSED_STREAM, CallRefusals.streamRefused()),
                Arguments.of(Http2Error.ENHANCE_YOUR_CALM, Status.of(StatusCode.RESOURCE_EXHAUSTED,
                        "stream reset by server (ENHANCE_YOUR_CALM)")),
                Arguments.of(Http2Error.INTERNAL_ERROR, Status.of(StatusCode.INTERNAL,
                        "stream reset by server (INTERNAL_ERROR)")),
                Arguments.of(Http2Error.NO_ERROR, Status.of(StatusCode.INTERNAL, "stream reset by server (NO_ERROR)")),
                Arguments.of(Http2Error.PROTOCOL_ERROR, Status.of(StatusCode.INTERNAL,
                        "stream reset by server (PROTOCOL_ERROR)")));
    }

    @ParameterizedTest
    @MethodSource("resets")
    void rstStreamFromTheServerEndsTheCallWithTheMappedStatus(Http2Error error, Status expected) {
        GrpcClientHarness.Call call = client.open(TestServices.CHAT, 10, System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
        client.headers(call.streamId(), responseHeaders(Metadata.EMPTY), false);
        call.received();

        client.rst(call.streamId(), error);
        assertEquals(List.of(new Received.Reset(expected)), call.received());
        assertEquals(error == Http2Error.REFUSED_STREAM, CallRefusals.refusedBeforeProcessing(expected.asException()),
                "only a refused stream is safe to send again elsewhere");
        client.assertNothingWritten();
    }

    @Test
    void cancelAtTheCallsDeadlineIsDeadlineExceeded() {
        GrpcClientHarness.Call call = client.open(TestServices.CHAT, 10, System.nanoTime() - 1);
        client.rst(call.streamId(), Http2Error.CANCEL);

        assertEquals(List.of(new Received.Reset(Status.of(StatusCode.DEADLINE_EXCEEDED,
                "deadline exceeded; stream reset by server (CANCEL)"))), call.received());
    }

    @Test
    void dataBeforeResponseHeadersFailsTheCallInternal() {
        GrpcClientHarness.Call call = client.open(TestServices.CHAT, 10, NO_DEADLINE);
        client.data(call.streamId(), grpcMessage("early"), false);

        assertEquals(List.of(new Received.Trailers(Status.of(StatusCode.INTERNAL, "DATA before response headers"),
                Metadata.EMPTY)), call.received());
        assertEquals(List.of("RST_STREAM CANCEL"), describe(client.written()));
    }

    @Test
    void messagesAreReadOnlyAsDemandIsGranted() {
        GrpcClientHarness.Call call = client.open(TestServices.EXPAND, 1, NO_DEADLINE);
        int id = call.streamId();
        client.headers(id, responseHeaders(Metadata.EMPTY), false);
        client.data(id, grpcMessage("1"), false);
        client.data(id, grpcMessage("2"), false);
        client.data(id, grpcMessage("3"), false);
        client.headers(id, GrpcHeaders.trailers(Status.OK, Metadata.EMPTY), true);
        assertEquals(List.of(new Received.Headers(Metadata.EMPTY), new Received.Message("1")), call.received(),
                "one message wanted: the rest wait unread, the trailers behind them");

        client.grant(call, 1);
        assertEquals(List.of(new Received.Message("2")), call.received());
        client.grant(call, 5);
        assertEquals(List.of(new Received.Message("3"), new Received.Trailers(Status.OK, Metadata.EMPTY)),
                call.received());
    }

    @Test
    void cancelWritesRstStreamCancel() {
        GrpcClientHarness.Call call = client.open(TestServices.CHAT, 10, NO_DEADLINE);
        client.cancel(call);
        assertEquals(List.of("RST_STREAM CANCEL"), describe(client.written()));
    }

    @Test
    void connectionCloseEndsEveryCallUnavailable() {
        GrpcClientHarness.Call one = client.open(TestServices.CHAT, 10, NO_DEADLINE);
        GrpcClientHarness.Call two = client.open(TestServices.EXPAND, 10, NO_DEADLINE);
        client.closeChannel();

        // Calls are registered on their connection, which ends them first (as natively); the stream's own
        // close follows, and a call that has ended ignores it.
        for (GrpcClientHarness.Call call : List.of(one, two)) {
            List<Received> received = call.received();
            Received.Closed first = assertInstanceOf(Received.Closed.class, received.get(0), received::toString);
            assertEquals(StatusCode.UNAVAILABLE, first.status().code());
            assertTrue(first.status().message().startsWith("connection to peer "), first::toString);
            assertTrue(received.stream().allMatch(r -> r instanceof Received.Closed c
                    && c.status().code() == StatusCode.UNAVAILABLE), received::toString);
        }
    }

    @Test
    void unaryCallCompletesWithTheMessageOfItsAnswer() {
        GrpcClientHarness.Unary call = client.unary(TestServices.ECHO, "hi", 0);
        int id = call.streamId();
        assertEquals(List.of("HEADERS", "DATA+END [hi]"), describe(client.written()).stream()
                .map(s -> s.startsWith("HEADERS") ? "HEADERS" : s).toList());

        client.headers(id, responseHeaders(Metadata.EMPTY), false);
        client.data(id, grpcMessage("hi back"), false);
        assertFalse(call.result().isDone(), "a unary answer is complete with its trailers");
        client.headers(id, GrpcHeaders.trailers(Status.OK, Metadata.EMPTY), true);
        assertEquals("hi back", call.result().getNow(null));
        assertEquals(List.of(), client.written(), "both sides ended: no reset");
    }

    @Test
    void unaryCancelWritesRstStreamCancel() {
        CompletableFuture<String> call = client.unary(TestServices.ECHO, "hi", 0).result();
        client.written();
        assertTrue(call.cancel(true));
        assertEquals(List.of("RST_STREAM CANCEL"), describe(client.written()));
        Throwable failure = Await.failure(call, Pump.LIMIT);
        assertEquals(StatusCode.CANCELLED, assertInstanceOf(StatusException.class, failure).code());
    }

    @Test
    void goAwayStopsNewCallsOnTheConnection() {
        GrpcClientHarness.Call call = client.open(TestServices.CHAT, 10, NO_DEADLINE);
        client.goAway(call.streamId());
        assertEquals(1, client.goAwaysReported());
        assertFalse(client.takesNewCalls());
    }

    @Test
    void goAwayLetsCallsInFlightFinish() {
        GrpcClientHarness.Call call = client.open(TestServices.CHAT, 10, NO_DEADLINE);
        int id = call.streamId();
        client.goAway(id);

        assertTrue(client.isOpen(), "closed with a call in flight");
        client.headers(id, responseHeaders(Metadata.EMPTY), false);
        client.data(id, grpcMessage("after goaway"), false);
        client.headers(id, GrpcHeaders.trailers(Status.OK, Metadata.EMPTY), true);
        assertEquals(List.of(new Received.Headers(Metadata.EMPTY), new Received.Message("after goaway"),
                new Received.Trailers(Status.OK, Metadata.EMPTY)), call.received());
    }
}
