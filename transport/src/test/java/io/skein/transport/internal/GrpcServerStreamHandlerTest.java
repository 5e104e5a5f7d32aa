package io.skein.transport.internal;

import static io.skein.transport.internal.testing.Http2Peer.grpcMessage;
import static io.skein.transport.internal.testing.Http2Peer.describe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.testing.LeakDetectionExtension;
import io.skein.transport.CallContext;
import io.skein.transport.MethodRegistry;
import io.skein.transport.internal.testing.Http2Peer;
import io.skein.transport.internal.testing.RecordingAdmission;
import io.skein.transport.internal.testing.TestThreadDispatcher;
import io.skein.transport.testing.StringMarshaller;
import io.skein.transport.testing.TestServices;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The gRPC server stream handler frame by frame: HTTP/2 frames in, HTTP/2 frames out, on an embedded
 * channel (see {@link GrpcServerHarness}).
 */
/**
 * The gRPC server stream handler frame by frame: HTTP/2 frames in, HTTP/2 frames out, on an embedded
 * channel (see {@link GrpcServerHarness}): answers, refusals, rejected headers, resets and drain.
 * Flow control and early answers are in {@link GrpcServerFlowControlTest}.
 */
@ExtendWith(LeakDetectionExtension.class)
class GrpcServerStreamHandlerTest {

    private static final String NAME = "GrpcServerStreamHandlerTest";
    private static final String META = "test.Grpc/Meta";
    private static final String SLOW = "test.Grpc/Slow";
    private static final String HOLD = "test.Grpc/Hold";
    private static final String OK_HEADERS = "HEADERS :status=200, content-type=application/grpc, grpc-accept-encoding=gzip";
    private static final String OK_TRAILERS = "HEADERS+END grpc-status=0";

    private static ActorTestKit testKit;
    private static TestThreadDispatcher.Tasks tasks;
    private static MethodRegistry registry;
    private static final BlockingQueue<CompletableFuture<String>> slowAnswers = new LinkedBlockingQueue<>();
    private static final BlockingQueue<CallContext> contexts = new LinkedBlockingQueue<>();

    private final RecordingAdmission admission = new RecordingAdmission();
    private GrpcServerHarness server;

    @BeforeAll
    static void startSystem() {
        tasks = TestThreadDispatcher.tasks(NAME);
        // A reset within 30 s of the grpc-timeout deadline counts as that deadline.
        testKit = ActorTestKit.create(NAME, TestThreadDispatcher.config(NAME, """
                skein.transport.stream-window = 2
                skein.grpc.max-message-size = 16 KiB
                skein.grpc.deadline-reset-slack = 30s
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
                .bidi(HOLD, (requests, ctx) -> {
                    contexts.add(ctx);
                    return requests;
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
        server = new GrpcServerHarness(testKit, tasks, registry, admission);
    }

    @AfterEach
    void disconnect() {
        slowAnswers.forEach(a -> a.complete("cleanup"));
        server.close();
    }

    private static Http2Headers request(String method) {
        return GrpcServerHarness.request(method).build();
    }

    private static Http2Headers request(String method, long timeoutMillis) {
        return GrpcServerHarness.request(method).timeoutNanos(TimeUnit.MILLISECONDS.toNanos(timeoutMillis)).build();
    }

    private static String trailersOnly(StatusCode code, String message) {
        return "HEADERS+END :status=200, content-type=application/grpc, grpc-message=" + message
                + ", grpc-status=" + code.value();
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

    private void assertServesEcho(int id) {
        server.headers(id, request(TestServices.ECHO), false);
        server.data(id, grpcMessage("still here"), true);
        assertEquals(List.of(OK_HEADERS, "DATA [still here]", OK_TRAILERS), describe(server.written()));
        assertTrue(server.isOpen());
    }

    @Test
    void unaryRequestIsAnsweredWithHeadersDataAndTrailersInOrder() {
        server.headers(1, GrpcServerHarness.request(META).metadata(Metadata.builder().put("k", "v").build()).build(),
                false);
        server.data(1, grpcMessage("hi"), true);

        assertEquals(List.of(OK_HEADERS + ", h=1", "DATA [hi:v]", "HEADERS+END grpc-status=0, t=2"),
                describe(server.written()));
        assertEquals(List.of(META), admission.asked());
        assertEquals(List.of(Status.OK), admission.released());
    }

    @Test
    void serverStreamingAnswerIsHeadersThenOneDataFramePerMessageThenTrailers() {
        server.headers(1, request(TestServices.EXPAND), false);
        server.data(1, grpcMessage("x"), true);

        assertEquals(List.of(OK_HEADERS, "DATA [x-0]", "DATA [x-1]", "DATA [x-2]", OK_TRAILERS),
                describe(server.written()));
    }

    @Test
    void bidiCallAnswersAsRequestsArriveAndEndsAfterTheClientEndedItsSide() {
        server.headers(1, request(TestServices.CHAT), false);
        assertEquals(List.of(), server.written(), "no headers before the first message");
        server.data(1, grpcMessage("a"), false);
        assertEquals(List.of(OK_HEADERS, "DATA [a]"), describe(server.written()));
        server.data(1, grpcMessage("b"), true);
        assertEquals(List.of("DATA [b]", OK_TRAILERS), describe(server.written()));
    }

    @Test
    void unknownMethodIsAnsweredTrailersOnlyAndTheRestOfTheRequestDrained() {
        server.headers(1, request("test.Nope/Nope"), true);
        assertEquals(List.of(trailersOnly(StatusCode.UNIMPLEMENTED, "unknown method test.Nope/Nope")),
                describe(server.written()));

        server.headers(3, request("test.Nope/Nope"), false);
        assertEquals(List.of(trailersOnly(StatusCode.UNIMPLEMENTED, "unknown method test.Nope/Nope")),
                describe(server.written()), "answered at once, no reset: the client may finish its request");
        server.data(3, grpcMessage("ignored"), true);
        server.assertNothingWritten();
        assertEquals(List.of(), admission.asked());
        assertServesEcho(5);
    }

    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                Arguments.of("no content-type", (Consumer<Http2Headers>) h -> h.remove("content-type"), "415", 13),
                Arguments.of("GET", (Consumer<Http2Headers>) h -> h.method("GET"), "405", 13),
                Arguments.of("no te", (Consumer<Http2Headers>) h -> h.remove("te"), "200", 13),
                Arguments.of("bad grpc-timeout", (Consumer<Http2Headers>) h -> h.set("grpc-timeout", "xx"), "400", 13),
                Arguments.of("unknown grpc-encoding", (Consumer<Http2Headers>) h -> h.set("grpc-encoding", "snappy"),
                        "200", 12),
                Arguments.of("path without a method", (Consumer<Http2Headers>) h -> h.path("/nomethod"), "200", 12));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void requestWithMissingOrInvalidHeadersIsRejectedAndItsStreamReset(String why, Consumer<Http2Headers> breakIt,
                                                                      String httpStatus, int grpcStatus) {
        Http2Headers headers = request(TestServices.ECHO);
        breakIt.accept(headers);
        server.headers(1, headers, false);

        List<Http2Peer.Frame> written = server.written();
        // An HTTP-level rejection (not 200) carries its reason as a text body, as grpc-java's does;
        // a gRPC-level one is trailers-only.
        boolean httpLevel = !httpStatus.equals("200");
        assertEquals(httpLevel ? 3 : 2, written.size(), () -> describe(written).toString());
        Http2Peer.Headers rejection = (Http2Peer.Headers) written.get(0);
        assertEquals(!httpLevel, rejection.endStream());
        assertEquals(httpStatus, rejection.get(":status"));
        assertEquals(Integer.toString(grpcStatus), rejection.get("grpc-status"));
        if (httpLevel) {
            assertTrue(describe(written.get(1)).startsWith("DATA+END"), () -> describe(written).toString());
        }
        assertEquals("RST_STREAM NO_ERROR", describe(written.get(written.size() - 1)),
                "the client had not ended its request");
        assertEquals(List.of(), admission.asked());
        assertServesEcho(3);
    }

    @Test
    void admissionRefusalIsAnsweredTrailersOnlyAndTheRestOfTheRequestDrained() {
        admission.refuseWith(Status.of(StatusCode.RESOURCE_EXHAUSTED, "over the limit"));
        server.headers(1, request(TestServices.ECHO), false);
        assertEquals(List.of(trailersOnly(StatusCode.RESOURCE_EXHAUSTED, "over the limit")),
                describe(server.written()));

        server.data(1, grpcMessage("x".repeat(10_000)), false);
        server.data(1, Unpooled.EMPTY_BUFFER, true);
        server.assertNothingWritten();
        assertEquals(List.of(TestServices.ECHO), admission.asked());
        assertEquals(List.of(), admission.released());

        admission.refuseWith(null);
        assertServesEcho(3);
    }

    @Test
    void refusedRequestThatGoesOnPastOneMaximumMessageIsReset() {
        admission.refuseWith(Status.of(StatusCode.RESOURCE_EXHAUSTED, "over the limit"));
        server.headers(1, request(TestServices.CHAT), false);
        server.written();

        server.data(1, Unpooled.wrappedBuffer(new byte[16 * 1024 + 6]), false);
        assertEquals(List.of("RST_STREAM NO_ERROR"), describe(server.written()));
        admission.refuseWith(null);
        assertServesEcho(3);
    }

    @Test
    void rstStreamMidCallCancelsTheContextAndNothingMoreIsWritten() {
        server.headers(1, request(HOLD), false);
        server.data(1, grpcMessage("a"), false);
        CallContext context = take(contexts);
        assertEquals(List.of(OK_HEADERS, "DATA [a]"), describe(server.written()));

        server.rst(1, Http2Error.CANCEL);
        assertEquals(Status.of(StatusCode.CANCELLED, "cancelled by client (RST_STREAM 8)"), termination(context));
        assertEquals(List.of(StatusCode.CANCELLED), admission.released().stream().map(Status::code).toList());
        server.assertNothingWritten();
        assertServesEcho(3);
    }

    @Test
    void rstStreamOfAUnaryCallCancelsItAndTheLateAnswerIsDropped() {
        server.headers(1, request(SLOW), false);
        server.data(1, grpcMessage("a"), true);
        CallContext context = take(contexts);

        server.rst(1, Http2Error.CANCEL);
        assertEquals(StatusCode.CANCELLED, termination(context).code());
        take(slowAnswers).complete("too late");
        server.assertNothingWritten();
        assertServesEcho(3);
    }

    @Test
    void rstStreamAtTheGrpcTimeoutDeadlineIsDeadlineExceeded() {
        server.headers(1, request(SLOW, 10_000), false);
        server.data(1, grpcMessage("a"), true);
        server.headers(3, request(HOLD, 10_000), false);
        CallContext unary = take(contexts);
        CallContext streaming = take(contexts);

        server.rst(1, Http2Error.CANCEL);
        server.rst(3, Http2Error.CANCEL);
        Status expired = Status.of(StatusCode.DEADLINE_EXCEEDED, "client deadline exceeded");
        assertEquals(expired, termination(unary));
        assertEquals(expired, termination(streaming));
        server.assertNothingWritten();
    }

    @Test
    void rstStreamLongBeforeTheDeadlineIsACancel() {
        server.headers(1, request(HOLD, 60_000), false);
        CallContext context = take(contexts);
        server.rst(1, Http2Error.CANCEL);
        assertEquals(StatusCode.CANCELLED, termination(context).code());
    }

    @Test
    void unaryCallWithoutOrWithTwoRequestMessagesFailsInternal() {
        server.headers(1, request(TestServices.ECHO), true);
        assertEquals(List.of(trailersOnly(StatusCode.INTERNAL, "unary call without a request message")),
                describe(server.written()));

        server.headers(3, request(TestServices.ECHO), false);
        ByteBuf two = grpcMessage("a").writeBytes(grpcMessage("b"));
        server.data(3, two, true);
        assertEquals(List.of(trailersOnly(StatusCode.INTERNAL, "unary call with more than one request message")),
                describe(server.written()));
        assertEquals(List.of(StatusCode.INTERNAL, StatusCode.INTERNAL),
                admission.released().stream().map(Status::code).toList());
    }

    @Test
    void unparsableUnaryRequestIsAnsweredInvalidArgument() {
        server.headers(1, request(TestServices.ECHO), false);
        server.data(1, grpcMessage(StringMarshaller.POISON), true);

        List<Http2Peer.Frame> written = server.written();
        assertEquals(1, written.size());
        Http2Peer.Headers answer = (Http2Peer.Headers) written.get(0);
        assertTrue(answer.endStream());
        assertEquals("3", answer.get("grpc-status"));
        assertTrue(answer.get("grpc-message").startsWith("cannot parse request of test.Echo/Echo"), answer::toString);
        assertEquals(List.of(StatusCode.INVALID_ARGUMENT), admission.released().stream().map(Status::code).toList());
    }

    @Test
    void drainSendsGoAwayRefusesNewStreamsAndClosesOnceTheRunningCallEnded() {
        server.headers(1, request(TestServices.CHAT), false);
        server.data(1, grpcMessage("a"), false);
        server.written();

        CompletionStage<Done> drained = server.drain();
        assertEquals(List.of("GOAWAY 1 NO_ERROR server shutting down"), describe(server.written()));

        server.headers(3, request(TestServices.ECHO), true);
        assertEquals(List.of("RST_STREAM REFUSED_STREAM"), describe(server.written()),
                "a stream after GOAWAY is refused by HTTP/2 itself");
        server.data(1, grpcMessage("b"), false);
        assertEquals(List.of("DATA [b]"), describe(server.written()), "the running call goes on");
        assertTrue(server.isOpen());
        assertFalse(drained.toCompletableFuture().isDone());

        server.data(1, Unpooled.EMPTY_BUFFER, true);
        assertEquals(List.of(OK_TRAILERS), describe(server.written()));
        server.until(() -> drained.toCompletableFuture().isDone(), "drained");
        assertFalse(server.isOpen());
    }
}
