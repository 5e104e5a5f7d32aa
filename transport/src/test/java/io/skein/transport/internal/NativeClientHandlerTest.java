package io.skein.transport.internal;

import static io.skein.transport.internal.testing.NativeWire.utf8;
import static io.skein.transport.testing.TestServices.codeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.testing.Await;
import io.skein.testing.LeakDetectionExtension;
import io.skein.transport.CallRefusals;
import io.skein.transport.ResponseMetadata;
import io.skein.transport.internal.testing.NativeWire;
import io.skein.transport.internal.testing.Pump;
import io.skein.transport.internal.testing.Received;
import io.skein.transport.testing.TestServices;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The native client handler frame by frame (see {@link NativeClientHarness}): the test plays the
 * server, reading what the client writes and answering with frames.
 */
@ExtendWith(LeakDetectionExtension.class)
class NativeClientHandlerTest {

    private NativeClientHarness client = new NativeClientHarness(true, "skein.transport.max-frame-size = 4096");

    @AfterEach
    void close() {
        client.close();
    }

    private static SkeinFrame.UnaryResponse response(int id, Status status, String text) {
        return new SkeinFrame.UnaryResponse(id, "Echo", status, Metadata.EMPTY, utf8(text));
    }

    private static Status failure(CompletableFuture<?> call) {
        assertTrue(call.isCompletedExceptionally(), () -> "the call did not fail: " + call);
        Throwable t = Await.failure(call, Pump.LIMIT);
        return assertInstanceOf(StatusException.class, t).status();
    }

    @Test
    void unaryResponsesCompleteTheCallOfTheirStreamId() {
        CompletableFuture<String> first = client.unary(TestServices.ECHO, "a",
                Metadata.builder().put("k", "v").build(), 0, null);
        CompletableFuture<String> second = client.unary(TestServices.ECHO, "b");
        assertEquals(List.of(
                new SkeinFrame.UnaryRequest(1, TestServices.ECHO, Metadata.builder().put("k", "v").build(), 0, utf8("a")),
                new SkeinFrame.UnaryRequest(2, TestServices.ECHO, Metadata.EMPTY, 0, utf8("b"))), client.written());

        client.serverSends(response(2, Status.OK, "B"));
        assertEquals("B", second.getNow(null));
        assertFalse(first.isDone());
        client.serverSends(response(1, Status.OK, "A"));
        assertEquals("A", first.getNow(null));
        client.assertNothingWritten();
    }

    @Test
    void unaryErrorStatusAndResponseMetadataReachTheCaller() {
        ResponseMetadata capture = new ResponseMetadata();
        CompletableFuture<String> call = client.unary(TestServices.ECHO, "a", Metadata.EMPTY, 0, capture);
        Metadata md = Metadata.builder().put("why", "because").build();
        Status aborted = Status.of(StatusCode.ABORTED, "no");
        client.serverSends(new SkeinFrame.UnaryResponse(1, "Echo", aborted, md, utf8("")));

        assertEquals(aborted, failure(call));
        assertEquals(md, capture.headers().getNow(null));
        assertEquals(md, capture.trailers().getNow(null));
    }

    @Test
    void streamFramesAreRoutedToTheirCallByStreamId() {
        RecordingCall one = client.openStream(TestServices.CHAT, CallKind.BIDI_STREAMING, 8);
        RecordingCall two = client.openStream(TestServices.EXPAND, CallKind.SERVER_STREAMING, 4);
        assertEquals(List.of(
                new SkeinFrame.StreamOpen(1, TestServices.CHAT, CallKind.BIDI_STREAMING, Metadata.EMPTY, 0, 8),
                new SkeinFrame.StreamOpen(2, TestServices.EXPAND, CallKind.SERVER_STREAMING, Metadata.EMPTY, 0, 4)),
                client.written());

        Metadata headers = Metadata.builder().put("h", "1").build();
        client.serverSends(
                new SkeinFrame.StreamCredit(1, 3),
                new SkeinFrame.StreamHeaders(2, headers),
                new SkeinFrame.StreamMessage(2, utf8("x")),
                new SkeinFrame.StreamMessage(1, utf8("y")),
                new SkeinFrame.StreamTrailers(2, Status.OK, Metadata.EMPTY),
                new SkeinFrame.StreamReset(1, StatusCode.DEADLINE_EXCEEDED, "too slow"));

        assertEquals(List.of(new Received.Credit(3), new Received.Message("y"),
                new Received.Reset(Status.of(StatusCode.DEADLINE_EXCEEDED, "too slow"))), one.received());
        assertEquals(List.of(new Received.Headers(headers), new Received.Message("x"),
                new Received.Trailers(Status.OK, Metadata.EMPTY)), two.received());
        client.assertNothingWritten();
    }

    @Test
    void framesOfAnUnknownStreamAreDroppedAndTheConnectionServesOn() {
        CompletableFuture<String> call = client.unary(TestServices.ECHO, "a");
        client.written();

        client.serverSends(
                response(9, Status.OK, "stray"),
                new SkeinFrame.StreamMessage(11, utf8("stray")),
                new SkeinFrame.StreamTrailers(13, Status.OK, Metadata.EMPTY),
                new SkeinFrame.StreamReset(15, StatusCode.CANCELLED, "stray"));
        assertTrue(client.isOpen());
        assertFalse(call.isDone());
        client.assertNothingWritten();

        client.serverSends(response(1, Status.OK, "A"));
        assertEquals("A", call.getNow(null));
    }

    @Test
    void goAwayDrainsTheConnectionAndItClosesOnceItsCallsFinished() {
        CompletableFuture<String> running = client.unary(TestServices.ECHO, "a");
        RecordingCall stream = client.openStream(TestServices.CHAT, CallKind.BIDI_STREAMING, 4);
        client.written();

        client.serverSends(new SkeinFrame.GoAway(2, "server shutting down"));
        assertEquals(1, client.goAwaysReported(), "the pool hears of it");
        assertFalse(client.takesNewCalls());
        assertTrue(client.isOpen(), "calls are still running");

        CompletableFuture<String> late = client.unary(TestServices.ECHO, "late");
        Status refused = failure(late);
        assertEquals(StatusCode.UNAVAILABLE, refused.code());
        assertTrue(CallRefusals.refusedBeforeProcessing(refused.asException()), refused::toString);
        client.assertNothingWritten();

        client.serverSends(response(1, Status.OK, "A"));
        assertEquals("A", running.getNow(null));
        assertTrue(client.isOpen());
        client.serverSends(new SkeinFrame.StreamTrailers(2, Status.OK, Metadata.EMPTY));
        assertEquals(List.of(new Received.Trailers(Status.OK, Metadata.EMPTY)), stream.received());
        assertTrue(client.isOpen(), "the stream's call has not let go of it yet");
        client.endCall(stream);
        assertFalse(client.isOpen());
    }

    @Test
    void aCallAboveTheGoAwaysLastStreamThatTheCloseLeavesUnansweredIsARefusalAndOneBelowItIsNot() {
        CompletableFuture<String> taken = client.unary(TestServices.ECHO, "a");
        CompletableFuture<String> unread = client.unary(TestServices.ECHO, "b");
        client.written();

        // The server took stream 1 and closed before reading stream 2.
        client.serverSends(new SkeinFrame.GoAway(1, "server shutting down"));
        client.closeChannel();

        Status cut = failure(taken);
        assertEquals(StatusCode.UNAVAILABLE, cut.code());
        assertFalse(CallRefusals.refusedBeforeProcessing(cut.asException()), "the server may have run it: " + cut);
        Status refused = failure(unread);
        assertEquals(StatusCode.UNAVAILABLE, refused.code());
        assertTrue(CallRefusals.refusedBeforeProcessing(refused.asException()), "never read: " + refused);
    }

    @Test
    void goAwayWithNoCallInFlightClosesTheConnection() {
        CompletableFuture<String> done = client.unary(TestServices.ECHO, "a");
        client.serverSends(response(1, Status.OK, "A"));
        assertEquals("A", done.getNow(null));

        client.serverSends(new SkeinFrame.GoAway(1, "bye"));
        assertFalse(client.isOpen());
    }

    static List<SkeinFrame> clientOnlyFrames() {
        return List.of(
                new SkeinFrame.UnaryRequest(2, TestServices.ECHO, Metadata.EMPTY, 0, utf8("x")),
                new SkeinFrame.StreamOpen(2, TestServices.CHAT, CallKind.BIDI_STREAMING, Metadata.EMPTY, 0, 4));
    }

    @ParameterizedTest
    @MethodSource("clientOnlyFrames")
    void aFrameOnlyClientsSendClosesTheConnectionAndEndsEveryCallUnavailable(SkeinFrame frame) {
        CompletableFuture<String> call = client.unary(TestServices.ECHO, "a");
        client.written();

        client.serverSends(frame);
        assertFalse(client.isOpen());
        Status status = failure(call);
        assertEquals(StatusCode.UNAVAILABLE, status.code());
        assertTrue(status.message().contains("server sent a client-only frame"), status::toString);
        client.assertNothingWritten();
    }

    @Test
    void channelCloseEndsEveryCallUnavailable() {
        CompletableFuture<String> call = client.unary(TestServices.ECHO, "a");
        RecordingCall stream = client.openStream(TestServices.CHAT, CallKind.BIDI_STREAMING, 4);

        client.closeChannel();
        Status closed = failure(call);
        assertEquals(StatusCode.UNAVAILABLE, closed.code());
        assertTrue(closed.message().startsWith("connection to server "), closed::toString);
        assertEquals(List.of(new Received.Closed(closed)), stream.received());
    }

    @Test
    void malformedFrameFromTheServerClosesTheConnectionAndEndsItsCalls() {
        CompletableFuture<String> call = client.unary(TestServices.ECHO, "a");
        byte[] bytes = NativeWire.bytes(response(1, Status.OK, "A"));
        bytes[7] |= 0x02; // TTHeader flags: Kitex streaming
        client.serverSendsBytes(bytes);

        assertFalse(client.isOpen());
        assertEquals(StatusCode.UNAVAILABLE, failure(call).code());
    }

    @Test
    void oversizedFrameFromTheServerClosesTheConnectionAndEndsItsCalls() {
        CompletableFuture<String> call = client.unary(TestServices.ECHO, "a");
        client.serverSends(response(1, Status.OK, "z".repeat(4096)));

        assertFalse(client.isOpen());
        assertEquals(StatusCode.UNAVAILABLE, failure(call).code());
    }

    @Test
    void unaryCancelWritesAResetToASkeinPeerAndDropsTheLateAnswer() {
        CompletableFuture<String> call = client.unary(TestServices.ECHO, "a");
        client.written();

        assertTrue(call.cancel(true));
        assertEquals(Status.of(StatusCode.CANCELLED, "cancelled by client"), failure(call));
        assertEquals(List.of(new SkeinFrame.StreamReset(1, StatusCode.CANCELLED, "cancelled by client")),
                client.written());
        client.serverSends(response(1, Status.OK, "A"));
        assertTrue(client.isOpen());
    }

    @Test
    void unaryCancelWritesNothingToAKitexPeer() {
        client.close();
        client = new NativeClientHarness(false, "");
        CompletableFuture<String> call = client.unary(TestServices.ECHO, "a");
        assertEquals(1, client.written().size(), "the request");

        assertTrue(call.cancel(true));
        assertEquals(StatusCode.CANCELLED, codeOf(Await.failure(call, Pump.LIMIT)));
        client.assertNothingWritten();
        assertTrue(client.isOpen());
    }

    @Test
    void unaryDeadlineFailsTheCallAndResetsItOnASkeinPeer() {
        CompletableFuture<String> call = client.unary(TestServices.ECHO, "a", Metadata.EMPTY, 100, null);
        SkeinFrame.UnaryRequest request = assertInstanceOf(SkeinFrame.UnaryRequest.class, client.written().get(0));
        assertTrue(request.timeoutMillis() > 0 && request.timeoutMillis() <= 100, request::toString);

        client.advanceTime(Duration.ofMillis(request.timeoutMillis() - 1));
        assertFalse(call.isDone());
        client.advanceTime(Duration.ofMillis(1));
        assertEquals(Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline of 100 ms exceeded"), failure(call));
        assertEquals(List.of(new SkeinFrame.StreamReset(1, StatusCode.DEADLINE_EXCEEDED, "client deadline exceeded")),
                client.written());
    }

    @Test
    void unaryDeadlineSendsNoResetToAKitexPeer() {
        client.close();
        client = new NativeClientHarness(false, "");
        CompletableFuture<String> call = client.unary(TestServices.ECHO, "a", Metadata.EMPTY, 100, null);
        client.written();

        client.advanceTime(Duration.ofMillis(100));
        assertEquals(StatusCode.DEADLINE_EXCEEDED, failure(call).code());
        client.assertNothingWritten();
    }
}
