package io.skein.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.testing.Await;
import io.skein.transport.CallFuture;
import io.skein.transport.CallOptions;
import io.skein.transport.EndpointChannel;
import io.skein.transport.ResponseMetadata;
import io.skein.transport.ServerOptions;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Skein's calls over shared memory: a real {@link ShmServer} and {@code shm://} channel in one actor system. */
class ShmRpcTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static final String META = "test.Meta/Reflect";
    private static final String FAIL = "test.Echo/Fail";
    private static final String NEVER = "test.Echo/Never";
    private static final String ENDLESS = "test.Flow/Endless";
    private static final String FAIL_MID = "test.Flow/FailMidStream";
    private static final String GATED = "test.Flow/Gated";
    private static final String HOLD = "test.Flow/Hold";
    /** Credits per call (skein.transport.stream-window below). */
    private static final int WINDOW = 4;
    /**
     * Messages a stalled stream may hold beyond what its consumer asked for: the window, plus the small
     * fixed buffers of the Pekko stages on either side. The producers below are endless: without
     * backpressure they would run far past it.
     */
    private static final int BUFFERED = WINDOW + 64;
    private static final AtomicInteger produced = new AtomicInteger();
    private static final AtomicInteger gatedArrived = new AtomicInteger();
    private static volatile CompletableFuture<String> gate = new CompletableFuture<>();
    private static final String PREFIX = "skein-rpc-" + UUID.randomUUID().toString().substring(0, 8);
    private static ActorTestKit testKit;
    private static ShmServer server;
    private static EndpointChannel channel;
    private static Path dir;
    private static final AtomicInteger cancelledOnServer = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("shm-rpc");
        testKit = ActorTestKit.create("ShmRpcTest", Servers.config("skein.transport.stream-window = " + WINDOW + "\n"
                + "skein.shm { path-prefix = \"/dev/shm/" + PREFIX + "\", buffer-capacity = 8 MiB, queue-capacity = 1024 }"));
        server = Await.result(ShmServer.start(testKit.system(), dir.resolve("rpc.sock"), TestServices.echo()
                .unary(META, (req, ctx) -> {
                    ctx.setResponseHeaders(Metadata.builder().put("seen", ctx.metadata().get(req)).build());
                    return CompletableFuture.completedFuture(ctx.method());
                })
                .unary(FAIL, (req, ctx) -> CompletableFuture.failedFuture(
                        new StatusException(Status.of(StatusCode.NOT_FOUND, "no " + req))))
                .unary(NEVER, (req, ctx) -> {
                    CompletableFuture<String> never = new CompletableFuture<>();
                    ctx.termination().thenAccept(status -> {
                        if (status.code() == StatusCode.CANCELLED) {
                            cancelledOnServer.incrementAndGet();
                        }
                    });
                    return never;
                })
                .serverStream(ENDLESS, (req, ctx) -> Source.fromIterator(() -> Stream.generate(() -> {
                    produced.incrementAndGet();
                    return req + "e".repeat(1000);
                }).iterator()))
                .serverStream(FAIL_MID, (req, ctx) -> Source.from(List.of("a", "b")).concat(Source.failed(
                        new StatusException(Status.of(StatusCode.DATA_LOSS, "gave up mid-stream")))))
                .clientStream(GATED, (requests, ctx) -> requests.mapAsync(1, r -> {
                    gatedArrived.incrementAndGet();
                    return gate;
                }).fold(0, (n, r) -> n + 1).map(String::valueOf))
                .clientStream(HOLD, (requests, ctx) -> requests.mapAsync(1, r -> new CompletableFuture<String>()))
                .build(), ServerOptions.DEFAULT), LIMIT);
        channel = ShmChannels.create(testKit.system(), server.path());
    }

    @AfterAll
    static void stop() throws Exception {
        channel.close();
        Await.result(server.shutdown(Duration.ofMillis(100)), LIMIT);
        testKit.shutdownTestKit();
        Files.deleteIfExists(dir);
    }

    private static CompletionStage<String> unary(String method, String request, CallOptions options) {
        return channel.unary(TestServices.method(method, CallKind.UNARY), request, options);
    }

    private static CompletionStage<List<String>> stream(String method, CallKind kind, List<String> requests) {
        return Source.from(requests).via(channel.stream(TestServices.method(method, kind), CallOptions.DEFAULT))
                .runWith(Sink.seq(), testKit.system());
    }

    @Test
    void unaryCallsAndMetadataTravelBothWays() {
        assertEquals("hi", Await.result(unary(TestServices.ECHO, "hi", CallOptions.DEFAULT), LIMIT));
        ResponseMetadata capture = new ResponseMetadata();
        CallOptions options = CallOptions.DEFAULT.withMetadata(Metadata.builder().put("k", "v").putPersistent("p", "q").build())
                .withResponseMetadata(capture);
        assertEquals(META, Await.result(unary(META, "k", options), LIMIT));
        assertEquals("v", Await.result(capture.headers(), LIMIT).get("seen"));
    }

    @Test
    void messagesFromOneByteToOneMebibyteArriveIntact() {
        for (int size : new int[] {1, 64, 1024, 16 * 1024, 64 * 1024, 1 << 20}) {
            String big = "x".repeat(size - 1) + "!";
            assertEquals(big, Await.result(unary(TestServices.ECHO, big, CallOptions.DEFAULT), LIMIT), "size " + size);
        }
    }

    @Test
    void aResponseThatFitsASliceIsSerializedIntoSharedMemoryAndSentWithoutACopy() {
        long inPlace = server.stats().inPlace();
        long fallback = server.stats().fallback();
        for (int i = 0; i < 100; i++) {
            String kb = i + "k".repeat(1024);
            assertEquals(kb, Await.result(unary(TestServices.ECHO, kb, CallOptions.DEFAULT), LIMIT));
        }
        assertTrue(server.stats().inPlace() - inPlace >= 100, () -> "each response in place: " + server.stats());
        assertEquals(fallback, server.stats().fallback(), () -> "nothing over the socket: " + server.stats());
    }

    @Test
    void theThreeStreamingKindsWorkAcrossManyCreditGrants() {
        assertEquals(List.of("a-0", "a-1", "a-2"),
                Await.result(stream(TestServices.EXPAND, CallKind.SERVER_STREAMING, List.of("a")), LIMIT));
        assertEquals(List.of("1,2,3"), Await.result(stream(TestServices.COLLECT, CallKind.CLIENT_STREAMING,
                List.of("1", "2", "3")), LIMIT));
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            sent.add(i % 50 == 0 ? "m".repeat(20_000) + i : String.valueOf(i));
        }
        assertEquals(sent, Await.result(stream(TestServices.CHAT, CallKind.BIDI_STREAMING, sent), LIMIT));
    }

    @Test
    void aStatusTheServiceRaisesReachesTheCallerExactly() {
        Throwable failure = Await.failure(unary(FAIL, "key", CallOptions.DEFAULT), LIMIT);
        assertEquals(StatusCode.NOT_FOUND, TestServices.codeOf(failure));
        assertTrue(failure.getMessage().contains("no key"), failure.getMessage());
        assertEquals(StatusCode.UNIMPLEMENTED, TestServices.codeOf(Await.failure(unary("test.Nope/Nope", "x",
                CallOptions.DEFAULT), LIMIT)));
    }

    @Test
    void aDeadlineEndsTheCallWithDeadlineExceededAndACancelWithCancelled() {
        Throwable late = Await.failure(unary(NEVER, "x", CallOptions.timeout(Duration.ofMillis(200))), LIMIT);
        assertEquals(StatusCode.DEADLINE_EXCEEDED, TestServices.codeOf(late));
        int before = cancelledOnServer.get();
        CallFuture<String> call = (CallFuture<String>) unary(NEVER, "x", CallOptions.DEFAULT);
        Await.until(LIMIT, () -> Await.result(server.load(), LIMIT).activeCalls() > 0);
        call.cancel(true);
        assertEquals(StatusCode.CANCELLED, TestServices.codeOf(Await.failure(call, LIMIT)));
        Await.until(LIMIT, () -> cancelledOnServer.get() > before, () -> "the server saw the cancel");
    }

    @Test
    void tenThousandCallsOfEveryKindAndOutcomeIncludingCancelledAndFailedStreamsGiveBackEverySlice() {
        List<CompletableFuture<?>> inFlight = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            CompletionStage<?> call = switch (i % 12) {
                case 0, 1 -> unary(TestServices.ECHO, "u" + i + "x".repeat(i % 3000), CallOptions.DEFAULT);
                case 2 -> unary(FAIL, "f" + i, CallOptions.DEFAULT);
                case 3 -> unary(NEVER, "d" + i, CallOptions.timeout(Duration.ofMillis(20)));
                case 4 -> stream(TestServices.EXPAND, CallKind.SERVER_STREAMING, List.of("s" + i));
                case 5 -> stream(TestServices.COLLECT, CallKind.CLIENT_STREAMING, List.of("a", "b" + i));
                case 6 -> stream(TestServices.CHAT, CallKind.BIDI_STREAMING, List.of("c", "x".repeat(i % 10_000)));
                case 7 -> {
                    CallFuture<String> f = (CallFuture<String>) unary(NEVER, "c" + i, CallOptions.DEFAULT);
                    f.cancel(true);
                    yield f;
                }
                // the consumer cancels a stream mid-way
                case 8 -> Source.single("e" + i).via(channel.stream(TestServices.method(ENDLESS, CallKind.SERVER_STREAMING),
                        CallOptions.DEFAULT)).take(2 + i % 7).runWith(Sink.seq(), testKit.system());
                // the service fails a stream mid-way
                case 9 -> stream(FAIL_MID, CallKind.SERVER_STREAMING, List.of("f" + i));
                // the caller's request stream fails mid-way
                case 10 -> Source.from(List.of("a", "b".repeat(i % 9000))).concat(Source.failed(
                        new IllegalStateException("caller gave up"))).via(channel.stream(TestServices.method(
                        TestServices.CHAT, CallKind.BIDI_STREAMING), CallOptions.DEFAULT)).runWith(Sink.seq(), testKit.system());
                // a client stream the service never finishes, ended by its deadline
                default -> Source.from(List.of("h", "x".repeat(i % 5000))).via(channel.stream(TestServices.method(HOLD,
                        CallKind.CLIENT_STREAMING), CallOptions.timeout(Duration.ofMillis(20)))).runWith(Sink.seq(),
                        testKit.system());
            };
            inFlight.add(call.toCompletableFuture().handle((r, e) -> null));
            if (inFlight.size() == 64) {
                Await.result(CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)), LIMIT);
                inFlight.clear();
            }
        }
        Await.result(CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)), LIMIT);
        Await.until(LIMIT, () -> Await.result(server.load(), LIMIT).activeCalls() == 0, () -> "calls in flight");
        Await.until(LIMIT, () -> server.slices()[0] == server.slices()[1],
                () -> "free slices " + server.slices()[0] + " of " + server.slices()[1]);
        assertTrue(server.slices()[1] > 0);
    }

    @Test
    void aSlowConsumerStopsTheServersProducerAndHoldsNoSharedMemory() {
        TestSubscriber.Probe<String> consumer = Source.single("s").via(channel.stream(TestServices.method(ENDLESS,
                CallKind.SERVER_STREAMING), CallOptions.DEFAULT)).runWith(TestSink.create(testKit.system()), testKit.system());
        int start = produced.get();
        consumer.request(10);
        consumer.expectNextN(10);
        consumer.expectNoMessage(Duration.ofMillis(500)); // no demand, nothing delivered; time for an unchecked producer to run away
        int stalled = produced.get() - start;
        assertTrue(stalled <= 10 + BUFFERED, "the producer ran " + stalled + " messages ahead of a consumer that took 10");
        int[] slices = server.slices();
        assertTrue(slices[1] - slices[0] <= WINDOW, "a stalled stream holds " + (slices[1] - slices[0]) + " slices");
        consumer.request(2000);
        assertEquals(2000, consumer.expectNextN(2000).size(), "demand resumes the stream");
        assertTrue(produced.get() - start >= 2010);
        consumer.cancel();
    }

    @Test
    void aSlowServiceStopsTheCallersProducer() {
        gate = new CompletableFuture<>();
        gatedArrived.set(0);
        AtomicInteger sent = new AtomicInteger();
        CompletionStage<List<String>> call = Source.fromIterator(() -> Stream.generate(() -> {
            sent.incrementAndGet();
            return "r".repeat(1000);
        }).limit(5000).iterator()).via(channel.stream(TestServices.method(GATED, CallKind.CLIENT_STREAMING),
                CallOptions.DEFAULT)).runWith(Sink.seq(), testKit.system());
        Await.until(LIMIT, () -> gatedArrived.get() == 1, () -> "the first request reached the service");
        testKit.createTestProbe().expectNoMessage(Duration.ofMillis(500)); // time for an unchecked producer to run away
        assertTrue(sent.get() <= BUFFERED, "the caller sent " + sent.get() + " messages to a service that took 1");
        assertEquals(1, gatedArrived.get());
        gate.complete("go");
        assertEquals(List.of("5000"), Await.result(call, LIMIT));
        assertEquals(5000, sent.get());
    }
}
