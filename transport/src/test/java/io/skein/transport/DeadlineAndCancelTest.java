package io.skein.transport;

import static io.skein.transport.testing.TestServices.codeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.testing.Await;
import io.skein.transport.testing.RawClient;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Deadlines and cancellation as the server's {@link CallContext} sees them. */
class DeadlineAndCancelTest {

    private static final Duration LIMIT = Duration.ofSeconds(5);
    static final String NEVER = "test.Deadline/Never";
    static final String NEVER_STREAM = "test.Deadline/NeverStream";

    private static final MethodDescriptor<String, String> NEVER_METHOD = TestServices.method(NEVER, CallKind.UNARY);
    private static final MethodDescriptor<String, String> NEVER_STREAM_METHOD =
            TestServices.method(NEVER_STREAM, CallKind.BIDI_STREAMING);

    private static final BlockingQueue<CallContext> contexts = new LinkedBlockingQueue<>();
    private static final BlockingQueue<CompletableFuture<String>> answers = new LinkedBlockingQueue<>();
    private static ActorTestKit testKit;
    private static RpcServer server;
    private static EndpointChannel nativeChannel;
    private static EndpointChannel grpcChannel;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("DeadlineAndCancelTest", Servers.config(""));
        server = Servers.start(testKit.system(), TestServices.echo()
                .unary(NEVER, (req, ctx) -> {
                    CompletableFuture<String> answer = new CompletableFuture<>();
                    contexts.add(ctx);
                    answers.add(answer);
                    return answer;
                })
                .bidi(NEVER_STREAM, (requests, ctx) -> {
                    contexts.add(ctx);
                    // One response, then nothing, ever.
                    return Source.single("first").concat(Source.never());
                })
                .build());
        nativeChannel = EndpointChannel.create(testKit.system(), server.localAddress());
        grpcChannel = EndpointChannel.grpc(testKit.system(), server.localAddress());
        // Connect (and load classes) first: a 100 ms deadline must not be spent on connecting.
        for (EndpointChannel c : new EndpointChannel[] {nativeChannel, grpcChannel}) {
            Await.result(c.unary(TestServices.method(TestServices.ECHO, CallKind.UNARY), "warm", CallOptions.DEFAULT),
                    LIMIT);
        }
    }

    /** The native protocol and gRPC share the port; both must keep deadlines and cancels apart. */
    private static EndpointChannel channel(String protocol) {
        return protocol.equals("grpc") ? grpcChannel : nativeChannel;
    }

    @AfterAll
    static void stop() {
        if (nativeChannel != null) {
            nativeChannel.close();
            grpcChannel.close();
        }
        if (server != null) {
            Await.result(server.shutdown(Duration.ofMillis(100)), Servers.TIMEOUT);
        }
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void clear() {
        contexts.clear();
        answers.clear();
    }

    private static <T> T take(BlockingQueue<T> queue) {
        try {
            T value = queue.poll(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(value, "handler not called within " + LIMIT);
            return value;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void awaitNoActiveCalls() {
        Await.until(LIMIT, () -> Servers.load(server).activeCalls() == 0, () -> "no active calls");
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void unaryDeadlineExpiresOnBothSides(String protocol) {
        long start = System.nanoTime();
        CompletionStage<String> call = channel(protocol).unary(NEVER_METHOD, "wait", CallOptions.timeout(Duration.ofMillis(100)));
        CallContext ctx = take(contexts);
        assertTrue(ctx.hasDeadline());
        assertTrue(ctx.timeRemaining().orElseThrow().toMillis() <= 100);
        assertEquals(StatusCode.DEADLINE_EXCEEDED, codeOf(Await.failure(call, LIMIT)));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(100), "expired early");
        Status onServer = Await.result(ctx.termination(), LIMIT);
        assertEquals(StatusCode.DEADLINE_EXCEEDED, onServer.code(), onServer::toString);
        assertTrue(ctx.isCancelled());
        awaitNoActiveCalls();
    }

    @Test
    void serverEnforcesTheUnaryDeadlineOnItsOwn() {
        // A raw client that never resets: only the server's own timer can end the call.
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            raw.write(new SkeinFrame.UnaryRequest(1, NEVER, Metadata.EMPTY, 100, RawClient.utf8("wait")));
            CallContext ctx = take(contexts);
            SkeinFrame.UnaryResponse response = raw.read(SkeinFrame.UnaryResponse.class, LIMIT);
            assertEquals(1, response.streamId());
            assertEquals(StatusCode.DEADLINE_EXCEEDED, response.status().code());
            assertEquals(StatusCode.DEADLINE_EXCEEDED, Await.result(ctx.termination(), LIMIT).code());

            // The late answer is dropped (and its buffer released); the connection carries on.
            take(answers).complete("too late");
            raw.write(new SkeinFrame.UnaryRequest(3, TestServices.ECHO, Metadata.EMPTY, 0, RawClient.utf8("next")));
            SkeinFrame.UnaryResponse next = raw.read(SkeinFrame.UnaryResponse.class, LIMIT);
            assertEquals(3, next.streamId(), "no response for the expired call after its DEADLINE_EXCEEDED");
            assertEquals("next", RawClient.text(next));
        }
        awaitNoActiveCalls();
    }

    @ParameterizedTest(name = "{0}, timeout {1} ms")
    @CsvSource({"skein, 0", "skein, 30000", "grpc, 0", "grpc, 30000"})
    void clientCancelIsCancelledOnTheServer(String protocol, long timeoutMillis) {
        CallOptions options = timeoutMillis == 0 ? CallOptions.DEFAULT
                : CallOptions.timeout(Duration.ofMillis(timeoutMillis));
        CompletionStage<String> call = channel(protocol).unary(NEVER_METHOD, "wait", options);
        CallContext ctx = take(contexts);
        CompletableFuture<String> answer = take(answers);
        assertTrue(call.toCompletableFuture().cancel(true));

        Status onServer = Await.result(ctx.termination(), LIMIT);
        assertEquals(StatusCode.CANCELLED, onServer.code(), onServer::toString);
        assertEquals(StatusCode.CANCELLED, codeOf(Await.failure(call, LIMIT)));
        answer.complete("ignored"); // answered after the cancel: dropped and released
        awaitNoActiveCalls();
        assertEquals("still", Await.result(channel(protocol).unary(TestServices.method(TestServices.ECHO, CallKind.UNARY),
                "still", CallOptions.DEFAULT), LIMIT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void streamDeadlineExpiresOnBothSides(String protocol) {
        CompletionStage<?> call = Source.<String>never()
                .via(channel(protocol).stream(NEVER_STREAM_METHOD, CallOptions.timeout(Duration.ofMillis(100))))
                .runWith(Sink.seq(), testKit.system());
        CallContext ctx = take(contexts);
        assertEquals(StatusCode.DEADLINE_EXCEEDED, codeOf(Await.failure(call, LIMIT)));
        Status onServer = Await.result(ctx.termination(), LIMIT);
        assertEquals(StatusCode.DEADLINE_EXCEEDED, onServer.code(), onServer::toString);
        awaitNoActiveCalls();
    }

    @Test
    void serverEnforcesTheStreamDeadlineOnItsOwn() {
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            raw.write(new SkeinFrame.StreamOpen(1, NEVER_STREAM, CallKind.BIDI_STREAMING, Metadata.EMPTY, 100, 4));
            CallContext ctx = take(contexts);
            assertEquals("first", RawClient.text(raw.read(SkeinFrame.StreamMessage.class, LIMIT)));
            SkeinFrame.StreamTrailers trailers = raw.read(SkeinFrame.StreamTrailers.class, LIMIT);
            assertEquals(StatusCode.DEADLINE_EXCEEDED, trailers.status().code());
            assertEquals(StatusCode.DEADLINE_EXCEEDED, Await.result(ctx.termination(), LIMIT).code());
        }
        awaitNoActiveCalls();
    }

    @ParameterizedTest
    @ValueSource(strings = {"skein", "grpc"})
    void streamCancelIsCancelledOnTheServer(String protocol) {
        // Sink.head takes the first response and cancels: the client resets the stream.
        CompletionStage<String> first = Source.<String>never()
                .via(channel(protocol).stream(NEVER_STREAM_METHOD, CallOptions.timeout(Duration.ofSeconds(30))))
                .runWith(Sink.head(), testKit.system());
        CallContext ctx = take(contexts);
        assertEquals("first", Await.result(first, LIMIT));
        Status onServer = Await.result(ctx.termination(), LIMIT);
        assertEquals(StatusCode.CANCELLED, onServer.code(), onServer::toString);
        awaitNoActiveCalls();
    }
}
