package io.skein.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Settings;
import io.skein.protocols.StatusCode;
import io.skein.testing.Await;
import io.skein.transport.CallContext;
import io.skein.transport.MethodRegistry;
import io.skein.transport.internal.testing.Http2Wire;
import io.skein.transport.internal.testing.Http2Wire.Frame;
import io.skein.transport.internal.testing.Http2Wire.GoAway;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 connection errors (RFC 9113 section 5.4.1) at the frame level, on the server pipeline of an
 * accepted connection: each goes out as exactly one GOAWAY carrying the real error code and the reason
 * as debug data, then the connection closes; never the graceful GOAWAY(NO_ERROR) Skein used to send
 * when its own handler closed the channel first.
 */
class Http2ConnectionErrorTest {

    static final String STALL = "test.H2/Stall";

    private static final BlockingQueue<CallContext> calls = new LinkedBlockingQueue<>();
    private static ActorTestKit testKit;
    private static NettyResources resources;
    private Http2Wire wire;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("Http2ConnectionErrorTest", Servers.config(""));
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
                    return requests.mapAsync(1, r -> new java.util.concurrent.CompletableFuture<String>());
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

    /** Exactly one GOAWAY, with {@code error}; returns it. */
    private GoAway assertOnlyGoAway(Http2Error error) {
        GoAway goAway = wire.assertConnectionError(error);
        List<Frame> after = wire.frames();
        assertFalse(after.stream().anyMatch(f -> f instanceof GoAway), () -> "a second GOAWAY: " + after);
        return goAway;
    }

    @Test
    void aFrameLargerThanMaxFrameSizeIsFrameSizeErrorWithTheReasonAsDebugData() {
        wire.frame(16_385, 0x0, 0, 1, new byte[16]).send();
        GoAway goAway = assertOnlyGoAway(Http2Error.FRAME_SIZE_ERROR);
        assertTrue(goAway.debugData().contains("16385"), () -> "debug data: " + goAway.debugData());
    }

    @Test
    void headersOnStreamZeroIsProtocolError() {
        wire.frame(0x1, 0x5, 0, wire.headerBlock(1, Http2Wire.grpcRequest(TestServices.ECHO))).send();
        assertOnlyGoAway(Http2Error.PROTOCOL_ERROR);
    }

    @Test
    void anEvenStreamIdFromTheClientIsProtocolError() {
        wire.headers(2, Http2Wire.grpcRequest(TestServices.ECHO), true).send();
        assertOnlyGoAway(Http2Error.PROTOCOL_ERROR);
    }

    @Test
    void aStreamIdLowerThanOneAlreadyOpenedIsProtocolError() {
        wire.headers(5, Http2Wire.grpcRequest(TestServices.ECHO), false).send();
        wire.headers(3, Http2Wire.grpcRequest(TestServices.ECHO), false).send();
        GoAway goAway = assertOnlyGoAway(Http2Error.PROTOCOL_ERROR);
        assertTrue(goAway.debugData().contains("stream 3"), goAway::debugData);
    }

    @Test
    void headersOnAStreamTheClientHadEndedIsStreamClosedForTheConnection() {
        wire.headers(1, Http2Wire.grpcRequest(TestServices.ECHO), false)
                .data(1, Http2Wire.grpcMessage("hi"), true).send();
        // The call completes: trailers end the stream on both sides, and it is forgotten by Netty.
        wire.next(f -> f instanceof Http2Wire.Headers h && h.endStream());
        wire.headers(1, Http2Wire.grpcRequest(TestServices.ECHO), true).send();
        assertOnlyGoAway(Http2Error.STREAM_CLOSED);
    }

    @Test
    void dataOnAStreamTheClientHadEndedIsStreamClosedForTheConnection() {
        wire.headers(1, Http2Wire.grpcRequest(TestServices.ECHO), false)
                .data(1, Http2Wire.grpcMessage("hi"), true).send();
        wire.next(f -> f instanceof Http2Wire.Headers h && h.endStream());
        wire.data(1, Http2Wire.grpcMessage("late"), true).send();
        assertOnlyGoAway(Http2Error.STREAM_CLOSED);
    }

    @Test
    void dataOnAnIdleStreamIsProtocolError() {
        wire.data(7, Http2Wire.grpcMessage("x"), true).send();
        assertOnlyGoAway(Http2Error.PROTOCOL_ERROR);
    }

    @Test
    void aFrameOtherThanContinuationInsideAHeaderBlockIsProtocolError() {
        byte[] block = wire.headerBlock(1, Http2Wire.grpcRequest(TestServices.ECHO));
        wire.headersWithoutEndHeaders(1, block, true).priority(1, 0).send();
        assertOnlyGoAway(Http2Error.PROTOCOL_ERROR);
    }

    @Test
    void continuationOnAnotherStreamIsProtocolError() {
        byte[] block = wire.headerBlock(1, Http2Wire.grpcRequest(TestServices.ECHO));
        wire.headersWithoutEndHeaders(1, block, true).continuation(3, new byte[0], true).send();
        assertOnlyGoAway(Http2Error.PROTOCOL_ERROR);
    }

    @Test
    void aHeaderBlockHpackCannotDecodeIsCompressionError() {
        // Indexed field 0x7f + 1000: far beyond the static and (empty) dynamic table.
        wire.frame(0x1, 0x5, 1, new byte[] {(byte) 0xff, (byte) 0xe9, 0x07}).send();
        assertOnlyGoAway(Http2Error.COMPRESSION_ERROR);
    }

    @Test
    void aConnectionWindowAbove2To31Minus1IsFlowControlError() {
        wire.windowUpdate(0, Integer.MAX_VALUE).send();
        assertOnlyGoAway(Http2Error.FLOW_CONTROL_ERROR);
    }

    @Test
    void dataBeyondTheConnectionWindowIsFlowControlError() {
        // 20 streams of 60 KiB each: every one within its 64 KiB stream window, together 1200 KiB against
        // the 1 MiB connection window (skein.grpc.connection-window-size) none of them reads.
        byte[] chunk = new byte[15 * 1024];
        for (int stream = 1; stream < 40; stream += 2) {
            wire.headers(stream, Http2Wire.grpcRequest(STALL), false);
            for (int i = 0; i < 4; i++) {
                wire.data(stream, chunk, false);
            }
        }
        wire.send();
        GoAway goAway = assertOnlyGoAway(Http2Error.FLOW_CONTROL_ERROR);
        assertTrue(goAway.debugData().contains("window"), goAway::debugData);
    }

    @Test
    void anInitialWindowSizeAbove2To31Minus1IsFlowControlError() {
        // SETTINGS_INITIAL_WINDOW_SIZE (4) = 2^31, written raw: Netty's Http2Settings refuses the value.
        wire.frame(0x4, 0, 0, new byte[] {0, 4, (byte) 0x80, 0, 0, 0}).send();
        assertOnlyGoAway(Http2Error.FLOW_CONTROL_ERROR);
    }

    @Test
    void aMaxFrameSizeSettingOutOfRangeIsProtocolError() {
        wire.frame(0x4, 0, 0, new byte[] {0, 5, 0, 0, 0x3f, (byte) 0xff}).send(); // 16383 < 16384
        assertOnlyGoAway(Http2Error.PROTOCOL_ERROR);
    }

    @Test
    void settingsWithAPartialEntryIsFrameSizeError() {
        wire.frame(0x4, 0, 0, new byte[] {0, 3, 0, 0, 0}).send();
        assertOnlyGoAway(Http2Error.FRAME_SIZE_ERROR);
    }

    @Test
    void aSettingsAckWithAPayloadIsFrameSizeError() {
        wire.frame(0x4, 0x1, 0, new byte[] {0, 3, 0, 0, 0, 1}).send();
        assertOnlyGoAway(Http2Error.FRAME_SIZE_ERROR);
    }

    @Test
    void settingsOnAStreamIsProtocolError() {
        wire.frame(0x4, 0, 1, new byte[0]).send();
        assertOnlyGoAway(Http2Error.PROTOCOL_ERROR);
    }

    @Test
    void aPingOfSevenBytesIsFrameSizeError() {
        wire.frame(0x6, 0, 0, new byte[7]).send();
        assertOnlyGoAway(Http2Error.FRAME_SIZE_ERROR);
    }

    @Test
    void aRstStreamOfThreeBytesIsFrameSizeError() {
        wire.headers(1, Http2Wire.grpcRequest(STALL), false).send();
        wire.frame(0x3, 0, 1, new byte[3]).send();
        assertOnlyGoAway(Http2Error.FRAME_SIZE_ERROR);
    }

    @Test
    void aPingOnAStreamIsProtocolError() {
        wire.frame(0x6, 0, 1, new byte[8]).send();
        assertOnlyGoAway(Http2Error.PROTOCOL_ERROR);
    }

    @Test
    void aWindowUpdateOfZeroOnTheConnectionIsProtocolError() {
        wire.frame(0x8, 0, 0, new byte[] {0, 0, 0, 0}).send();
        assertOnlyGoAway(Http2Error.PROTOCOL_ERROR);
    }

    @Test
    void aGoAwayOnAStreamIsProtocolError() {
        wire.frame(0x7, 0, 1, new byte[8]).send();
        assertOnlyGoAway(Http2Error.PROTOCOL_ERROR);
    }

    @Test
    void aRunningCallEndsUnavailableWithTheReasonWhenItsConnectionFails() throws Exception {
        wire.headers(1, Http2Wire.grpcRequest(STALL), false).data(1, Http2Wire.grpcMessage("hold"), false).send();
        CallContext call = calls.poll(Http2Wire.LIMIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        assertInstanceOf(CallContext.class, call, "the call started");
        wire.frame(16_385, 0x0, 0, 1, new byte[0]).send();
        assertOnlyGoAway(Http2Error.FRAME_SIZE_ERROR);
        var status = Await.result(call.termination(), Http2Wire.LIMIT);
        assertEquals(StatusCode.UNAVAILABLE, status.code());
        assertTrue(status.message().contains("FRAME_SIZE_ERROR"), status::message);
        assertTrue(wire.connection().isClosed());
    }

    @Test
    void theServerAdvertisesItsLimitsInItsFirstSettings() {
        try (Http2Wire fresh = new Http2Wire(registry(), resources)) {
            Http2Settings settings = fresh.handshake();
            assertEquals(1000L, settings.maxConcurrentStreams());
            assertEquals(64 * 1024, settings.initialWindowSize());
            assertEquals(16 * 1024L, settings.maxHeaderListSize());
        }
    }
}
