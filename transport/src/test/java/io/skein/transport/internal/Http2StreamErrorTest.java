package io.skein.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.skein.protocols.StatusCode;
import io.skein.testing.Await;
import io.skein.transport.CallContext;
import io.skein.transport.MethodRegistry;
import io.skein.transport.internal.testing.Http2Wire;
import io.skein.transport.internal.testing.Http2Wire.Frame;
import io.skein.transport.internal.testing.Http2Wire.RstStream;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 stream errors (RFC 9113 section 5.4.2) and stream limits at the frame level: each resets only
 * its stream, with RST_STREAM carrying the right code (never the CANCEL a plain close of the stream
 * channel sends), and the connection serves on. Also what must not be an error at all.
 */
class Http2StreamErrorTest {

    static final String STALL = "test.H2/Stall";
    static final int MAX_STREAMS = 3;

    private static final BlockingQueue<CallContext> calls = new LinkedBlockingQueue<>();
    private static ActorTestKit testKit;
    private static NettyResources resources;
    private Http2Wire wire;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("Http2StreamErrorTest", Servers.config(
                "skein.grpc.max-concurrent-streams = " + MAX_STREAMS));
        resources = NettyResources.get(testKit.system());
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    static MethodRegistry registry() {
        return TestServices.echo()
                .bidi(STALL, (requests, ctx) -> {
                    calls.add(ctx);
                    return requests.mapAsync(1, r -> new CompletableFuture<String>());
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

    private CallContext startStalledCall(int streamId) {
        wire.headers(streamId, Http2Wire.grpcRequest(STALL), false)
                .data(streamId, Http2Wire.grpcMessage("hold"), false).send();
        try {
            CallContext call = calls.poll(Http2Wire.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(call, "the call on stream " + streamId + " started");
            return call;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Only one reset for {@code streamId} was written, and nothing else on it. */
    private void assertOnlyReset(int streamId, Http2Error error) {
        wire.assertStreamError(streamId, error);
        List<Frame> after = wire.frames();
        assertFalse(after.stream().anyMatch(f -> f instanceof RstStream r && r.streamId() == streamId),
                () -> "a second reset: " + after);
    }

    @Test
    void aStreamBeyondMaxConcurrentStreamsIsRefused() {
        for (int i = 0; i < MAX_STREAMS; i++) {
            startStalledCall(1 + 2 * i);
        }
        int refused = 1 + 2 * MAX_STREAMS;
        wire.headers(refused, Http2Wire.grpcRequest(STALL), false).send();
        assertOnlyReset(refused, Http2Error.REFUSED_STREAM);
        assertTrue(calls.isEmpty(), "the refused stream reached the service");
        wire.assertServing();
    }

    @Test
    void dataInFlightOnARefusedStreamFailsOnlyThatStream() {
        List<CallContext> running = new java.util.ArrayList<>();
        for (int i = 0; i < MAX_STREAMS; i++) {
            running.add(startStalledCall(1 + 2 * i));
        }
        int refused = 1 + 2 * MAX_STREAMS;
        // The client sent its message right behind the HEADERS, before it could see the refusal.
        wire.headers(refused, Http2Wire.grpcRequest(STALL), false)
                .data(refused, Http2Wire.grpcMessage("in flight"), false)
                .windowUpdate(refused, 100).rstStream(refused, Http2Error.CANCEL).send();
        assertEquals(new RstStream(refused, Http2Error.REFUSED_STREAM), wire.nextError());
        // Netty used to take the DATA for DATA on an idle stream and fail the connection (PROTOCOL_ERROR).
        // Now the stream counts as closed: its DATA is at most answered RST_STREAM(STREAM_CLOSED).
        wire.assertServing();
        List<Frame> after = wire.frames();
        assertTrue(after.stream().allMatch(f -> f.equals(new RstStream(refused, Http2Error.STREAM_CLOSED))),
                () -> "after the refusal: " + after);
        running.forEach(call -> assertFalse(call.termination().toCompletableFuture().isDone(), "a call ended"));
    }

    @Test
    void dataInFlightOnAStreamWhoseHeadersWereRejectedFailsOnlyThatStream() {
        // An uppercase field name fails the header block before Netty opens the stream.
        wire.headers(1, Http2Wire.grpcRequest(TestServices.ECHO).add("X-Upper", "1"), false)
                .data(1, Http2Wire.grpcMessage("in flight"), true).send();
        assertEquals(new RstStream(1, Http2Error.PROTOCOL_ERROR), wire.nextError());
        wire.assertServing();
        List<Frame> after = wire.frames();
        assertTrue(after.stream().allMatch(f -> f.equals(new RstStream(1, Http2Error.STREAM_CLOSED))),
                () -> "after the reset: " + after);
    }

    @Test
    void headersAgainOnARefusedStreamAreStreamClosed() {
        for (int i = 0; i < MAX_STREAMS; i++) {
            startStalledCall(1 + 2 * i);
        }
        int refused = 1 + 2 * MAX_STREAMS;
        wire.headers(refused, Http2Wire.grpcRequest(STALL), false).send();
        assertEquals(new RstStream(refused, Http2Error.REFUSED_STREAM), wire.nextError());
        wire.headers(refused, Http2Wire.grpcRequest(STALL), false).send();
        assertEquals(new RstStream(refused, Http2Error.STREAM_CLOSED), wire.nextError());
        wire.assertServing();
    }

    @Test
    void aStreamFitsAgainOnceAnotherEnded() {
        for (int i = 0; i < MAX_STREAMS; i++) {
            startStalledCall(1 + 2 * i);
        }
        wire.rstStream(1, Http2Error.CANCEL).send();
        startStalledCall(1 + 2 * MAX_STREAMS);
    }

    @Test
    void dataAfterTheClientEndedItsSideIsStreamClosed() {
        CallContext call = startStalledCall(1);
        wire.data(1, new byte[0], true).data(1, Http2Wire.grpcMessage("late"), false).send();
        assertOnlyReset(1, Http2Error.STREAM_CLOSED);
        assertEquals(StatusCode.CANCELLED, Await.result(call.termination(), Http2Wire.LIMIT).code());
        wire.assertServing();
    }

    @Test
    void headersAgainOnAStreamTheClientHalfClosedAreStreamClosed() {
        // The first request is answered (415 and a body) while the second HEADERS is on its way.
        Http2Headers noContentType = Http2Wire.grpcRequest(TestServices.ECHO);
        noContentType.remove("content-type");
        wire.headers(1, noContentType, true).headers(1, noContentType, true).send();
        Frame error = wire.nextError();
        assertTrue(error.equals(new RstStream(1, Http2Error.STREAM_CLOSED))
                || error instanceof Http2Wire.GoAway g && g.error() == Http2Error.STREAM_CLOSED, error::toString);
    }

    @Test
    void trailersWithoutEndStreamAreProtocolError() {
        startStalledCall(1);
        wire.headers(1, new io.netty.handler.codec.http2.DefaultHttp2Headers().set("x-trailer", "1"), false).send();
        assertOnlyReset(1, Http2Error.PROTOCOL_ERROR);
        wire.assertServing();
    }

    @Test
    void aStreamWindowAbove2To31Minus1IsFlowControlErrorForThatStream() {
        startStalledCall(1);
        wire.windowUpdate(1, Integer.MAX_VALUE).send();
        assertOnlyReset(1, Http2Error.FLOW_CONTROL_ERROR);
        wire.assertServing();
    }

    @Test
    void contentLengthThatTheDataDoesNotMatchIsProtocolError() {
        wire.headers(1, Http2Wire.grpcRequest(TestServices.ECHO).set("content-length", "100"), false)
                .data(1, Http2Wire.grpcMessage("short"), true).send();
        assertOnlyReset(1, Http2Error.PROTOCOL_ERROR);
        wire.assertServing();
    }

    @Test
    void headersAfterTheClientResetItsStreamAreStreamClosed() {
        startStalledCall(1);
        wire.rstStream(1, Http2Error.CANCEL).send();
        wire.headers(1, Http2Wire.grpcRequest(TestServices.ECHO), true).send();
        assertOnlyReset(1, Http2Error.STREAM_CLOSED);
        wire.assertServing();
    }

    @Test
    void aWindowUpdateOfZeroOnAStreamIsProtocolErrorForThatStream() {
        startStalledCall(1);
        wire.frame(0x8, 0, 1, new byte[] {0, 0, 0, 0}).send();
        assertOnlyReset(1, Http2Error.PROTOCOL_ERROR);
        wire.assertServing();
    }

    @Test
    void aPriorityFrameOfTheWrongLengthIsFrameSizeErrorForThatStream() {
        startStalledCall(1);
        wire.frame(0x2, 0, 1, new byte[4]).send();
        assertOnlyReset(1, Http2Error.FRAME_SIZE_ERROR);
        wire.assertServing();
    }

    @Test
    void aStreamDependingOnItselfIsProtocolErrorForThatStream() {
        wire.priority(1, 1).send();
        assertOnlyReset(1, Http2Error.PROTOCOL_ERROR);
        wire.assertServing();
    }

    // ------------------------------------------------------------ what is not an error

    @Test
    void pingIsAnsweredWithTheSamePayload() {
        wire.ping(0x0102030405060708L).send();
        assertEquals(new Http2Wire.Ping(0x0102030405060708L, true), wire.next(f -> f instanceof Http2Wire.Ping));
    }

    @Test
    void settingsAreAcknowledgedAndUnknownSettingsIgnored() {
        wire.frame(0x4, 0, 0, new byte[] {0x7f, 0x7f, 0, 0, 0, 1}).send();
        assertEquals(new Http2Wire.Settings(new Http2Settings(), true),
                wire.next(f -> f instanceof Http2Wire.Settings));
    }

    @Test
    void unknownFrameTypesAndUnknownFlagsAreIgnored() {
        wire.frame(0x42, 0xff, 0, new byte[] {1, 2, 3}).frame(0x42, 0, 1, new byte[0]);
        wire.frame(0x6, 0xf0, 0, new byte[8]).send(); // PING with unknown flags
        assertEquals(new Http2Wire.Ping(0, true), wire.next(f -> f instanceof Http2Wire.Ping));
        wire.assertServing();
    }

    @Test
    void aWindowUpdateOnAStreamTheServerIsAnsweringIsAccepted() {
        wire.headers(1, Http2Wire.grpcRequest(TestServices.ECHO), false)
                .data(1, Http2Wire.grpcMessage("hi"), true).windowUpdate(1, 1).priority(1, 0).send();
        Http2Wire.Headers trailers = (Http2Wire.Headers) wire.next(f -> f instanceof Http2Wire.Headers h && h.endStream());
        assertEquals("0", String.valueOf(trailers.headers().get("grpc-status")));
        assertTrue(wire.frames().stream().noneMatch(f -> f instanceof RstStream || f instanceof Http2Wire.GoAway));
    }

    @Test
    void aStreamResetWithDataStillUnreadLeavesNothingBehind() {
        // The stalled call stops reading once it has more (empty) messages than it asked for; what the
        // client sent after that is released with the stream (the class's leak check).
        CallContext call = startStalledCall(1);
        byte[] chunk = new byte[8 * 1024];
        wire.data(1, chunk, false).data(1, chunk, false).data(1, chunk, false).rstStream(1, Http2Error.CANCEL).send();
        assertEquals(StatusCode.CANCELLED, Await.result(call.termination(), Http2Wire.LIMIT).code());
        wire.assertServing();
    }

    @Test
    void aCancelOfAStreamEndsItsCallCancelled() {
        CallContext call = startStalledCall(1);
        wire.rstStream(1, Http2Error.CANCEL).send();
        assertEquals(StatusCode.CANCELLED, Await.result(call.termination(), Http2Wire.LIMIT).code());
        wire.assertServing();
    }
}
