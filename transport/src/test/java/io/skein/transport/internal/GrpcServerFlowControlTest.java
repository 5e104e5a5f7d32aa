package io.skein.transport.internal;

import static io.skein.transport.internal.testing.Http2Peer.describe;
import static io.skein.transport.internal.testing.Http2Peer.grpcMessage;
import static io.skein.transport.internal.testing.Http2Peer.grpcMessages;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.skein.protocols.StatusCode;
import io.skein.testing.LeakDetectionExtension;
import io.skein.transport.CallAdmission;
import io.skein.transport.MethodRegistry;
import io.skein.transport.internal.testing.Http2Peer;
import io.skein.transport.internal.testing.TestThreadDispatcher;
import io.skein.transport.testing.TestServices;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gRPC server stream handler's flow control frame by frame (see {@link GrpcServerHarness}):
 * answers that end before the request does, HTTP/2 windows opened by demand, message size limits.
 * The peer announces HTTP/2's default 65,535-byte windows; the server's stream window is 2 messages.
 */
@ExtendWith(LeakDetectionExtension.class)
class GrpcServerFlowControlTest {

    private static final String NAME = "GrpcServerFlowControlTest";
    private static final String BIG = "test.Flow/Big";
    private static final String EARLY = "test.Flow/Early";
    private static final String GATE = "test.Flow/Gate";
    private static final String HUGE = "test.Flow/Huge";
    private static final String HUGE_STREAM = "test.Flow/HugeStream";
    private static final String KB = "x".repeat(1000);
    private static final String OK_HEADERS = "HEADERS :status=200, content-type=application/grpc, grpc-accept-encoding=gzip";
    private static final String OK_TRAILERS = "HEADERS+END grpc-status=0";

    private static ActorTestKit testKit;
    private static TestThreadDispatcher.Tasks tasks;
    private static MethodRegistry registry;
    private static final AtomicReference<CompletableFuture<Done>> gate = new AtomicReference<>();

    private GrpcServerHarness server;

    @BeforeAll
    static void startSystem() {
        tasks = TestThreadDispatcher.tasks(NAME);
        testKit = ActorTestKit.create(NAME, TestThreadDispatcher.config(NAME, """
                skein.transport.stream-window = 2
                skein.grpc.max-message-size = 16 KiB
                """));
        registry = TestServices.echo()
                // 100 messages of 1000 bytes: more than the 65,535-byte window; the requests are never read.
                .bidi(BIG, (requests, ctx) -> Source.repeat(KB).take(100))
                .bidi(EARLY, (requests, ctx) -> Source.single("early"))
                // Echoes, but takes no request before the test opens the gate.
                .bidi(GATE, (requests, ctx) -> Source.completionStage(gate.get()).flatMapConcat(d -> requests))
                .unary(HUGE, (req, ctx) -> CompletableFuture.completedFuture("y".repeat(20_000)))
                .bidi(HUGE_STREAM, (requests, ctx) -> Source.single("y".repeat(20_000)))
                .build();
    }

    @AfterAll
    static void stopSystem() {
        tasks.handOff();
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void connect() {
        gate.set(new CompletableFuture<>());
        server = new GrpcServerHarness(testKit, tasks, registry, CallAdmission.unlimited());
    }

    @AfterEach
    void disconnect() {
        gate.get().complete(Done.getInstance());
        server.close();
    }

    private static Http2Headers request(String method) {
        return GrpcServerHarness.request(method).build();
    }

    private static int dataBytes(List<Http2Peer.Frame> frames) {
        return frames.stream().filter(f -> f instanceof Http2Peer.Data).mapToInt(f -> ((Http2Peer.Data) f).bytes().length)
                .sum();
    }

    private static boolean ends(Http2Peer.Frame f) {
        return f instanceof Http2Peer.RstStream || f instanceof Http2Peer.Headers h && h.endStream();
    }

    /**
     * Regression (GrpcEarlyAnswerTest, GrpcServerStreamHandler.responseEnded): the RST_STREAM(NO_ERROR)
     * that asks the client to stop sending used to follow the trailers at once, and Netty dropped the
     * DATA and trailers still waiting for window.
     */
    @Test
    void earlyAnswerBiggerThanTheWindowIsWrittenCompletelyBeforeTheReset() {
        server.headers(1, request(BIG), false);
        List<Http2Peer.Frame> first = server.written(1);
        assertEquals(OK_HEADERS, describe(first.get(0)));
        assertEquals(65_535, dataBytes(first), "as much as the window takes");
        assertTrue(first.stream().noneMatch(GrpcServerFlowControlTest::ends), () -> describe(first).toString());

        server.windowUpdate(0, 1 << 20);
        server.windowUpdate(1, 1 << 20);
        List<Http2Peer.Frame> all = new ArrayList<>(first);
        all.addAll(server.written(1));
        assertEquals(Collections.nCopies(100, KB), grpcMessages(all), "every message arrives");
        assertEquals(List.of(OK_TRAILERS, "RST_STREAM NO_ERROR"),
                describe(all.subList(all.size() - 2, all.size())), "the trailers, then the reset");
        assertTrue(all.subList(0, all.size() - 2).stream().noneMatch(GrpcServerFlowControlTest::ends));
    }

    @Test
    void endOfRequestBeforeAnEarlyAnswerMeansNoReset() {
        server.headers(1, request(EARLY), true);
        assertEquals(List.of(OK_HEADERS, "DATA [early]", OK_TRAILERS), describe(server.written()));
    }

    @Test
    void endOfRequestAfterAnEarlyAnswerMeetsAClosedStreamAndTheConnectionServesOn() {
        server.headers(1, request(EARLY), false);
        assertEquals(List.of(OK_HEADERS, "DATA [early]", OK_TRAILERS, "RST_STREAM NO_ERROR"),
                describe(server.written()));

        server.data(1, grpcMessage("late"), true);
        assertEquals(List.of("RST_STREAM STREAM_CLOSED"), describe(server.written()),
                "HTTP/2 itself answers a frame on the closed stream; no second gRPC answer");
        server.headers(3, request(TestServices.ECHO), false);
        server.data(3, grpcMessage("still here"), true);
        assertEquals(List.of(OK_HEADERS, "DATA [still here]", OK_TRAILERS), describe(server.written()));
    }

    @Test
    void clientStreamEndsWithTheClientsEndOfStreamAndItsAnswerFollows() {
        server.headers(1, request(TestServices.COLLECT), false);
        server.data(1, grpcMessage("a"), false);
        server.data(1, grpcMessage("b"), false);
        server.assertNothingWritten();
        server.data(1, Unpooled.EMPTY_BUFFER, true);
        assertEquals(List.of(OK_HEADERS, "DATA [a,b]", OK_TRAILERS), describe(server.written()));
    }

    @Test
    void windowUpdatesFollowDemandForStreamingCalls() {
        String tenKb = "z".repeat(10_000);
        server.headers(1, request(GATE), false);
        for (int i = 0; i < 6; i++) {
            server.data(1, grpcMessage(tenKb), false);
        }
        // The stage took its window of 2 messages (20 KB) and the service none: less than half of the
        // stream's window was read, so no WINDOW_UPDATE, and the other 4 messages wait unread.
        assertEquals(List.of(), server.written());

        gate.get().complete(Done.getInstance());
        List<Http2Peer.Frame> written = server.written();
        assertEquals(Collections.nCopies(6, tenKb), grpcMessages(written.stream()
                .filter(f -> f.streamId() == 1).toList()), "the service echoes all six once it reads");
        List<String> updates = describe(written.stream().filter(f -> f instanceof Http2Peer.WindowUpdate).toList());
        assertTrue(!updates.isEmpty(), () -> "no WINDOW_UPDATE once the service read: " + describe(written));
    }

    @Test
    void oversizedRequestMessageOfAUnaryCallIsAnsweredResourceExhaustedAndTheStreamReset() {
        server.headers(1, request(TestServices.ECHO), false);
        server.data(1, Http2Peer.grpcPrefix(16 * 1024 + 1), false); // only the prefix: the size is enough

        List<Http2Peer.Frame> written = server.written();
        assertEquals(2, written.size(), () -> describe(written).toString());
        Http2Peer.Headers answer = (Http2Peer.Headers) written.get(0);
        assertTrue(answer.endStream());
        assertEquals("200", answer.get(":status"));
        assertEquals(Integer.toString(StatusCode.RESOURCE_EXHAUSTED.value()), answer.get("grpc-status"));
        assertEquals("RST_STREAM NO_ERROR", describe(written.get(1)));
    }

    @Test
    void oversizedRequestMessageEndsAStreamingCallResourceExhausted() {
        server.headers(1, request(TestServices.CHAT), false);
        server.data(1, grpcMessage("ok"), false);
        assertEquals(List.of(OK_HEADERS, "DATA [ok]"), describe(server.written()));

        server.data(1, Http2Peer.grpcPrefix(16 * 1024 + 1), false);
        List<Http2Peer.Frame> written = server.written();
        assertEquals(2, written.size(), () -> describe(written).toString());
        Http2Peer.Headers trailers = (Http2Peer.Headers) written.get(0);
        assertTrue(trailers.endStream());
        assertEquals(null, trailers.get(":status"), "trailers, not a trailers-only answer");
        assertEquals(Integer.toString(StatusCode.RESOURCE_EXHAUSTED.value()), trailers.get("grpc-status"));
        assertEquals("RST_STREAM NO_ERROR", describe(written.get(1)));
    }

    @Test
    void oversizedResponseEndsTheCallResourceExhausted() {
        server.headers(1, request(HUGE), false);
        server.data(1, grpcMessage("a"), true);
        assertEquals(List.of("HEADERS+END :status=200, content-type=application/grpc, "
                + "grpc-message=response of 20000 bytes exceeds the limit of 16384, grpc-status=8"),
                describe(server.written()));

        server.headers(3, request(HUGE_STREAM), true);
        assertEquals(List.of(OK_HEADERS, "HEADERS+END grpc-message=message of 20000 bytes exceeds the limit of 16384, "
                + "grpc-status=8"), describe(server.written()), "a stream sends its headers, then the trailers");
    }
}
