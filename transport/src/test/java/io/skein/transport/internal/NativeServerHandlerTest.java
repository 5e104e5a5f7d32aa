package io.skein.transport.internal;

import static io.skein.transport.internal.testing.NativeWire.text;
import static io.skein.transport.internal.testing.NativeWire.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.testing.LeakDetectionExtension;
import io.skein.transport.CallContext;
import io.skein.transport.CallRefusals;
import io.skein.transport.MethodRegistry;
import io.skein.transport.internal.testing.NativeWire;
import io.skein.transport.internal.testing.RecordingAdmission;
import io.skein.transport.internal.testing.TestThreadDispatcher;
import io.skein.transport.testing.StringMarshaller;
import io.skein.transport.testing.TestServices;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The native server handler frame by frame: TTHeader frames in, TTHeader frames out, on an
 * embedded channel (see {@link NativeServerHarness}). The stream window is 4, so the server grants
 * credits in batches of 2.
 */
@ExtendWith(LeakDetectionExtension.class)
class NativeServerHandlerTest {

    private static final String NAME = "NativeServerHandlerTest";
    private static final String META = "test.Native/Meta";
    private static final String SLOW = "test.Native/Slow";
    private static final String COUNT = "test.Native/Count";
    private static final String HOLD = "test.Native/Hold";
    private static final String EARLY = "test.Native/Early";
    private static final String DEAF = "test.Native/Deaf";
    private static final String THROWS = "test.Native/Throws";
    private static final String FAILS = "test.Native/Fails";
    private static final String REFUSES = "test.Native/Refuses";
    private static final String REFUSES_STREAM = "test.Native/RefusesStream";

    private static ActorTestKit testKit;
    private static TestThreadDispatcher.Tasks tasks;
    private static MethodRegistry registry;
    private static final BlockingQueue<CompletableFuture<String>> slowAnswers = new LinkedBlockingQueue<>();
    private static final BlockingQueue<CallContext> contexts = new LinkedBlockingQueue<>();

    private final RecordingAdmission admission = new RecordingAdmission();
    private NativeServerHarness server;

    @BeforeAll
    static void startSystem() {
        tasks = TestThreadDispatcher.tasks(NAME);
        testKit = ActorTestKit.create(NAME, TestThreadDispatcher.config(NAME, """
                skein.transport.stream-window = 4
                skein.transport.max-frame-size = 4096
                """));
        registry = TestServices.echo()
                .unary(META, (req, ctx) -> {
                    ctx.setResponseHeaders(Metadata.builder().put("h", "1").build());
                    ctx.setResponseTrailers(Metadata.builder().put("t", "2").build());
                    return CompletableFuture.completedFuture(req + ":" + ctx.metadata().get("k"));
                })
                .unary(SLOW, (req, ctx) -> {
                    CompletableFuture<String> answer = new CompletableFuture<>();
                    contexts.add(ctx);
                    slowAnswers.add(answer);
                    return answer;
                })
                .serverStream(COUNT, (req, ctx) -> {
                    ctx.setResponseHeaders(Metadata.builder().put("h", "s").build());
                    ctx.setResponseTrailers(Metadata.builder().put("t", "s").build());
                    return Source.range(1, 5).map(i -> req + "-" + i);
                })
                .bidi(HOLD, (requests, ctx) -> {
                    contexts.add(ctx);
                    return requests;
                })
                .bidi(EARLY, (requests, ctx) -> Source.single("early"))
                .unary(THROWS, (req, ctx) -> {
                    throw new IllegalStateException("secret detail");
                })
                .bidi(FAILS, (requests, ctx) -> Source.failed(new IllegalStateException("secret detail")))
                .unary(REFUSES, (req, ctx) -> CompletableFuture.failedFuture(
                        new StatusException(StatusCode.PERMISSION_DENIED, "not you")))
                .bidi(REFUSES_STREAM, (requests, ctx) -> Source.failed(
                        new StatusException(StatusCode.PERMISSION_DENIED, "not you")))
                .bidi(DEAF, (requests, ctx) -> {
                    contexts.add(ctx);
                    return Source.maybe(); // never takes a request, never answers
                })
                .build();
    }

    @AfterAll
    static void stopSystem() {
        tasks.handOff();
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void connect() {
        slowAnswers.clear();
        contexts.clear();
        server = new NativeServerHarness(testKit, tasks, registry, admission);
    }

    @AfterEach
    void disconnect() {
        slowAnswers.forEach(a -> a.complete("cleanup"));
        server.close();
    }

    private static SkeinFrame.UnaryRequest unary(int id, String method, String text) {
        return new SkeinFrame.UnaryRequest(id, method, Metadata.EMPTY, 0, utf8(text));
    }

    private static SkeinFrame.StreamOpen open(int id, String method, CallKind kind, int credits) {
        return new SkeinFrame.StreamOpen(id, method, kind, Metadata.EMPTY, 0, credits);
    }

    private static SkeinFrame.StreamMessage message(int id, String text) {
        return new SkeinFrame.StreamMessage(id, utf8(text));
    }

    private void assertServesEcho(int id) {
        server.send(unary(id, TestServices.ECHO, "still here"));
        SkeinFrame.UnaryResponse response = server.next(SkeinFrame.UnaryResponse.class);
        assertEquals(id, response.streamId());
        assertEquals(Status.OK, response.status());
        assertEquals("still here", text(response));
        assertTrue(server.isOpen());
    }

    private static SkeinFrame.UnaryResponse response(int id, String method, Status status, String text) {
        return new SkeinFrame.UnaryResponse(id, method, status, Metadata.EMPTY, utf8(text));
    }

    private static Status termination(CallContext context) {
        assertTrue(context.isDone(), "the call context is still open");
        return context.termination().toCompletableFuture().join();
    }

    private static <T> T take(BlockingQueue<T> queue) {
        T value = queue.poll();
        if (value == null) {
            throw new AssertionError("the service was not called");
        }
        return value;
    }

    @Test
    void unaryRequestIsAnsweredByOneResponseWithStatusAndMetadata() {
        server.send(new SkeinFrame.UnaryRequest(1, META, Metadata.builder().put("k", "v").build(), 0, utf8("ping")));

        assertEquals(List.of(new SkeinFrame.UnaryResponse(1, "Meta", Status.OK,
                Metadata.builder().put("h", "1").put("t", "2").build(), utf8("ping:v"))), server.written(),
                "one response; the wire names the method without its service; headers and trailers travel in it");
        assertEquals(List.of(META), admission.asked());
        assertEquals(List.of(Status.OK), admission.released());
    }

    @Test
    void unknownMethodIsAnsweredUnimplementedAndTheConnectionServesOn() {
        server.send(unary(1, "test.Nope/Nope", "x"),
                open(3, "test.Nope/Stream", CallKind.BIDI_STREAMING, 4));

        assertEquals(List.of(
                response(1, "Nope", Status.of(StatusCode.UNIMPLEMENTED, "unknown method test.Nope/Nope"), ""),
                new SkeinFrame.StreamTrailers(3, Status.of(StatusCode.UNIMPLEMENTED, "unknown method test.Nope/Stream"),
                        Metadata.EMPTY)), server.written());
        assertEquals(List.of(), admission.asked(), "a call that cannot start is not offered to admission");
        assertServesEcho(5);
    }

    @Test
    void callOfTheWrongKindIsAnsweredUnimplemented() {
        server.send(unary(1, TestServices.CHAT, "x"), open(3, TestServices.ECHO, CallKind.SERVER_STREAMING, 4));

        assertEquals(List.of(
                response(1, "Chat", Status.of(StatusCode.UNIMPLEMENTED,
                        "method test.Echo/Chat is BIDI_STREAMING, called as UNARY"), ""),
                new SkeinFrame.StreamTrailers(3, Status.of(StatusCode.UNIMPLEMENTED,
                        "method test.Echo/Echo is UNARY, called as SERVER_STREAMING"), Metadata.EMPTY)),
                server.written());
        assertServesEcho(5);
    }

    @Test
    void admissionRefusalIsAnsweredBeforeTheRequestIsParsedAndTheConnectionServesOn() {
        Status full = Status.of(StatusCode.RESOURCE_EXHAUSTED, "over the limit");
        admission.refuseWith(full);
        // An undecodable payload: parsed, it would be answered INVALID_ARGUMENT.
        server.send(unary(1, TestServices.ECHO, StringMarshaller.POISON),
                open(3, TestServices.CHAT, CallKind.BIDI_STREAMING, 4), message(3, StringMarshaller.POISON));

        assertEquals(List.of(
                response(1, "Echo", full, ""),
                new SkeinFrame.StreamTrailers(3, full, Metadata.EMPTY)), server.written(),
                "refused at once: no credits, no parse; the late message of the refused stream is dropped");
        assertEquals(List.of(TestServices.ECHO, TestServices.CHAT), admission.asked());
        assertEquals(List.of(), admission.released(), "a refusal is never released");

        admission.refuseWith(null);
        assertServesEcho(5);
    }

    @Test
    void unparsableRequestIsAnsweredInvalidArgumentAndReleasesItsAdmission() {
        server.send(unary(1, TestServices.ECHO, StringMarshaller.POISON));

        SkeinFrame.UnaryResponse response = server.next(SkeinFrame.UnaryResponse.class);
        assertEquals(1, response.streamId());
        assertEquals(StatusCode.INVALID_ARGUMENT, response.status().code());
        assertTrue(response.status().message().startsWith("cannot parse request of test.Echo/Echo"),
                response.status()::toString);
        assertEquals(List.of(response.status()), admission.released());
        assertServesEcho(3);
    }

    @Test
    void streamingCallSendsHeadersBeforeTheFirstMessageStaysWithinCreditsAndEndsWithTrailers() {
        server.send(open(1, COUNT, CallKind.SERVER_STREAMING, 2), message(1, "n"), new SkeinFrame.StreamHalfClose(1));

        assertEquals(List.of(
                new SkeinFrame.StreamCredit(1, 4),
                new SkeinFrame.StreamHeaders(1, Metadata.builder().put("h", "s").build()),
                message(1, "n-1"),
                message(1, "n-2")), server.written(), "the window for requests, headers, two credits' worth");

        server.send(new SkeinFrame.StreamCredit(1, 3));
        assertEquals(List.of(
                message(1, "n-3"),
                message(1, "n-4"),
                message(1, "n-5"),
                new SkeinFrame.StreamTrailers(1, Status.OK, Metadata.builder().put("t", "s").build())),
                server.written());
        assertEquals(List.of(Status.OK), admission.released());
    }

    @Test
    void requestCreditsAreGrantedInBatchesOfHalfTheWindowAsTheServiceConsumes() {
        server.send(open(1, HOLD, CallKind.BIDI_STREAMING, 100), message(1, "a"), message(1, "b"), message(1, "c"));

        List<SkeinFrame> written = server.written();
        assertEquals(List.of(new SkeinFrame.StreamCredit(1, 4), new SkeinFrame.StreamCredit(1, 2)),
                only(SkeinFrame.StreamCredit.class, written), "the window, then 2 once 2 requests were taken");
        assertEquals(List.of(message(1, "a"), message(1, "b"), message(1, "c")),
                only(SkeinFrame.StreamMessage.class, written));

        // How grants interleave with the answers is the stage's business; their sums and order are not.
        server.send(message(1, "d"));
        List<SkeinFrame> more = server.written();
        assertEquals(List.of(new SkeinFrame.StreamCredit(1, 2)), only(SkeinFrame.StreamCredit.class, more));
        assertEquals(List.of(message(1, "d")), only(SkeinFrame.StreamMessage.class, more));
    }

    @Test
    void clientThatSendsMoreThanItsCreditsFailsTheCallResourceExhausted() {
        // The window is 4 and the service takes nothing: the fifth request is a flow-control violation.
        server.send(open(1, DEAF, CallKind.BIDI_STREAMING, 4));
        CallContext context = take(contexts);
        server.send(message(1, "1"), message(1, "2"), message(1, "3"), message(1, "4"));
        assertEquals(List.of(new SkeinFrame.StreamCredit(1, 4)), server.written());

        server.send(message(1, "5"));
        Status violation = Status.of(StatusCode.RESOURCE_EXHAUSTED,
                "peer sent more messages than the 4 credits it was granted");
        assertEquals(List.of(new SkeinFrame.StreamTrailers(1, violation, Metadata.EMPTY)), server.written());
        assertEquals(violation, termination(context));
        assertEquals(List.of(violation), admission.released());
        assertServesEcho(3);
    }

    @Test
    void clientResetMidCallTerminatesTheContextCancelledAndNothingMoreIsWrittenForTheStream() {
        server.send(open(1, HOLD, CallKind.BIDI_STREAMING, 1), message(1, "a"), message(1, "b"));
        CallContext context = take(contexts);
        assertEquals(List.of(new SkeinFrame.StreamCredit(1, 4), message(1, "a"), new SkeinFrame.StreamCredit(1, 2)),
                server.written(), "one credit: one answer; the second waits, taken from the window");

        server.send(new SkeinFrame.StreamReset(1, StatusCode.CANCELLED, "changed my mind"));
        assertEquals(Status.of(StatusCode.CANCELLED, "changed my mind"), termination(context));
        assertEquals(List.of(StatusCode.CANCELLED), admission.released().stream().map(Status::code).toList());
        assertEquals(List.of(), server.written(), "no trailers after a reset");

        // Credits and messages that were on the way are dropped: the answer that waited stays unsent.
        server.send(new SkeinFrame.StreamCredit(1, 10), message(1, "late"), new SkeinFrame.StreamHalfClose(1));
        server.assertNothingWritten();
        assertServesEcho(3);
    }

    @Test
    void clientResetOfAUnaryCallEndsItsContextAndTheLateAnswerIsDropped() {
        server.send(unary(1, SLOW, "a"), unary(3, SLOW, "b"));
        CallContext cancelled = take(contexts);
        CallContext expired = take(contexts);

        server.send(new SkeinFrame.StreamReset(1, StatusCode.CANCELLED, "bye"),
                new SkeinFrame.StreamReset(3, StatusCode.DEADLINE_EXCEEDED, "client deadline"));
        assertEquals(Status.of(StatusCode.CANCELLED, "bye"), termination(cancelled));
        assertEquals(Status.of(StatusCode.DEADLINE_EXCEEDED, "client deadline"), termination(expired),
                "a reset for the deadline is not a cancel");

        slowAnswers.forEach(a -> a.complete("too late"));
        server.assertNothingWritten();
        assertServesEcho(5);
    }

    @Test
    void unaryDeadlineOnTheServerAnswersDeadlineExceeded() {
        server.send(new SkeinFrame.UnaryRequest(1, SLOW, Metadata.EMPTY, 50, utf8("a")));
        CallContext context = take(contexts);
        server.advanceTime(Duration.ofMillis(49));
        server.assertNothingWritten();

        server.advanceTime(Duration.ofMillis(1));
        Status expired = Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded on the server");
        assertEquals(List.of(response(1, "Slow", expired, "")), server.written());
        assertEquals(expired, termination(context));
        slowAnswers.forEach(a -> a.complete("too late"));
        server.assertNothingWritten();
    }

    @Test
    void streamingDeadlineOnTheServerEndsTheCallWithTrailers() {
        server.send(new SkeinFrame.StreamOpen(1, HOLD, CallKind.BIDI_STREAMING, Metadata.EMPTY, 100, 4));
        CallContext context = take(contexts);
        server.until(context::isDone, "the deadline");

        assertEquals(List.of(new SkeinFrame.StreamCredit(1, 4), new SkeinFrame.StreamTrailers(1,
                Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline of 100 ms exceeded on the server"), Metadata.EMPTY)),
                server.written());
        assertEquals(StatusCode.DEADLINE_EXCEEDED, termination(context).code());
    }

    @Test
    void halfCloseArrivingAfterTheServerAnsweredIsDroppedQuietly() {
        server.send(open(1, EARLY, CallKind.BIDI_STREAMING, 4));
        assertEquals(List.of(new SkeinFrame.StreamCredit(1, 4), message(1, "early"),
                new SkeinFrame.StreamTrailers(1, Status.OK, Metadata.EMPTY)), server.written());

        server.send(message(1, "a"), new SkeinFrame.StreamHalfClose(1));
        server.assertNothingWritten();
        assertServesEcho(3);
    }

    @Test
    void halfCloseRacingTheAnswerInOneReadEndsTheCallOnce() {
        server.send(open(1, EARLY, CallKind.BIDI_STREAMING, 4), message(1, "a"), new SkeinFrame.StreamHalfClose(1),
                open(3, TestServices.COLLECT, CallKind.CLIENT_STREAMING, 4), message(3, "x"), message(3, "y"),
                new SkeinFrame.StreamHalfClose(3));

        List<SkeinFrame> written = server.written();
        assertEquals(List.of(new SkeinFrame.StreamCredit(1, 4), message(1, "early"),
                new SkeinFrame.StreamTrailers(1, Status.OK, Metadata.EMPTY)), ofStream(1, written));
        assertEquals(List.of(new SkeinFrame.StreamCredit(3, 4), new SkeinFrame.StreamCredit(3, 2), message(3, "x,y"),
                new SkeinFrame.StreamTrailers(3, Status.OK, Metadata.EMPTY)), ofStream(3, written));
        assertEquals(List.of(Status.OK, Status.OK), admission.released());
    }

    @Test
    void duplicateStreamIdIsRefusedInternalAndTheFirstCallGoesOn() {
        server.send(unary(1, SLOW, "first"), open(3, HOLD, CallKind.BIDI_STREAMING, 4));
        assertEquals(List.of(new SkeinFrame.StreamCredit(3, 4)), server.written());

        server.send(unary(1, TestServices.ECHO, "again"), open(3, TestServices.CHAT, CallKind.BIDI_STREAMING, 4));
        assertEquals(List.of(
                response(1, "Echo", Status.of(StatusCode.INTERNAL, "stream id 1 is already in use"), ""),
                new SkeinFrame.StreamTrailers(3, Status.of(StatusCode.INTERNAL, "stream id 3 is already in use"),
                        Metadata.EMPTY)), server.written());
        assertEquals(List.of(SLOW, HOLD), admission.asked(), "duplicates are refused before admission");

        take(slowAnswers).complete("done");
        server.send(message(3, "still"));
        assertEquals(List.of(response(1, "Slow", Status.OK, "done"), message(3, "still")), server.written());
    }

    @Test
    void duplicateStreamIdIsRefusedBeforeItsMethodIsLookedUp() {
        server.send(unary(1, SLOW, "first"));
        server.send(unary(1, "test.Nope/Nope", "again"));

        assertEquals(List.of(response(1, "Nope", Status.of(StatusCode.INTERNAL, "stream id 1 is already in use"), "")),
                server.written(), "the id is checked first: INTERNAL, not UNIMPLEMENTED");
        take(slowAnswers).complete("done");
        assertEquals(List.of(response(1, "Slow", Status.OK, "done")), server.written());
    }

    static List<SkeinFrame> serverOnlyFrames() {
        return List.of(
                new SkeinFrame.UnaryResponse(7, "Echo", Status.OK, Metadata.EMPTY, utf8("x")),
                new SkeinFrame.StreamHeaders(7, Metadata.EMPTY),
                new SkeinFrame.StreamTrailers(7, Status.OK, Metadata.EMPTY));
    }

    @ParameterizedTest
    @MethodSource("serverOnlyFrames")
    void aFrameOnlyServersSendClosesTheConnectionAndEndsItsCallsUnavailable(SkeinFrame frame) {
        server.send(unary(1, SLOW, "a"));
        CallContext running = take(contexts);

        server.send(frame);
        assertFalse(server.isOpen());
        assertEquals(StatusCode.UNAVAILABLE, termination(running).code());
        assertTrue(termination(running).message().contains("client sent a server-only frame"),
                termination(running)::toString);
        server.assertNothingWritten();
    }

    @Test
    void malformedFrameClosesTheConnectionAndEndsItsCallsUnavailable() {
        server.send(unary(1, SLOW, "a"));
        CallContext running = take(contexts);

        byte[] bytes = NativeWire.bytes(unary(3, TestServices.ECHO, "x"));
        bytes[7] |= 0x02; // TTHeader flags: Kitex streaming, which Skein does not speak
        server.sendBytes(bytes);
        assertFalse(server.isOpen());
        assertEquals(StatusCode.UNAVAILABLE, termination(running).code());
        server.assertNothingWritten();
    }

    @Test
    void oversizedFrameClosesTheConnectionAndEndsItsCallsUnavailable() {
        server.send(unary(1, SLOW, "a"));
        CallContext running = take(contexts);

        server.send(unary(3, TestServices.ECHO, "z".repeat(4096)));
        assertFalse(server.isOpen());
        assertEquals(StatusCode.UNAVAILABLE, termination(running).code());
        server.assertNothingWritten();
    }

    @Test
    void drainSendsGoAwayThenRefusesNewCallsWhileRunningCallsFinish() {
        server.send(unary(1, SLOW, "a"), open(3, HOLD, CallKind.BIDI_STREAMING, 4));
        assertEquals(List.of(new SkeinFrame.StreamCredit(3, 4)), server.written());

        CompletionStage<Done> drained = server.drain();
        assertEquals(List.of(new SkeinFrame.GoAway(3, "server shutting down")), server.written());
        assertFalse(server.takesNewCalls());

        server.send(unary(5, TestServices.ECHO, "new"), open(7, TestServices.CHAT, CallKind.BIDI_STREAMING, 4));
        Status refused = CallRefusals.shuttingDown();
        assertEquals(Status.of(StatusCode.UNAVAILABLE, "server is shutting down"), refused);
        assertEquals(List.of(response(5, "Echo", refused, ""),
                new SkeinFrame.StreamTrailers(7, refused, Metadata.EMPTY)), server.written());

        server.send(message(3, "running"));
        assertEquals(List.of(message(3, "running")), server.written(), "a running stream goes on");
        take(slowAnswers).complete("finished");
        assertEquals(List.of(response(1, "Slow", Status.OK, "finished")), server.written());
        assertTrue(server.isOpen(), "a stream is still running");
        assertFalse(drained.toCompletableFuture().isDone());

        server.send(new SkeinFrame.StreamHalfClose(3));
        assertEquals(List.of(new SkeinFrame.StreamTrailers(3, Status.OK, Metadata.EMPTY)), server.written());
        server.await(drained);
        assertFalse(server.isOpen(), "closed once idle");
    }

    @Test
    void serviceThatFailsOnPurposeEndsItsCallWithItsStatus() {
        server.send(unary(1, REFUSES, "a"), open(3, REFUSES_STREAM, CallKind.BIDI_STREAMING, 4));

        Status denied = Status.of(StatusCode.PERMISSION_DENIED, "not you");
        List<SkeinFrame> written = server.written();
        assertEquals(List.of(response(1, "Refuses", denied, "")), ofStream(1, written));
        assertEquals(List.of(new SkeinFrame.StreamCredit(3, 4), new SkeinFrame.StreamTrailers(3, denied, Metadata.EMPTY)),
                ofStream(3, written));
        assertEquals(List.of(denied, denied), admission.released());
        assertServesEcho(5);
    }

    @Test
    void serviceThatThrowsFailsOnlyItsCallWithAGenericStatus() {
        server.send(unary(1, THROWS, "a"), open(3, FAILS, CallKind.BIDI_STREAMING, 4));

        List<SkeinFrame> written = server.written();
        SkeinFrame.UnaryResponse unary = (SkeinFrame.UnaryResponse) ofStream(1, written).get(0);
        SkeinFrame.StreamTrailers trailers = (SkeinFrame.StreamTrailers) ofStream(3, written)
                .get(ofStream(3, written).size() - 1);
        for (Status status : List.of(unary.status(), trailers.status())) {
            assertEquals(StatusCode.INTERNAL, status.code());
            assertFalse(status.message().contains("secret") || status.message().contains("IllegalStateException"),
                    status::toString);
        }
        assertServesEcho(5);
    }

    private static <T extends SkeinFrame> List<SkeinFrame> only(Class<T> type, List<SkeinFrame> frames) {
        return frames.stream().filter(type::isInstance).toList();
    }

    private static List<SkeinFrame> ofStream(int id, List<SkeinFrame> frames) {
        return frames.stream().filter(f -> f.streamId() == id).toList();
    }
}
