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
    private static final String PREFIX = "skein-rpc-" + UUID.randomUUID().toString().substring(0, 8);
    private static ActorTestKit testKit;
    private static ShmServer server;
    private static EndpointChannel channel;
    private static Path dir;
    private static final AtomicInteger cancelledOnServer = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("shm-rpc");
        testKit = ActorTestKit.create("ShmRpcTest", Servers.config("skein.transport.stream-window = 4\n"
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
    void tenThousandCallsOfEveryKindAndOutcomeGiveBackEverySlice() {
        List<CompletableFuture<?>> inFlight = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            CompletionStage<?> call = switch (i % 8) {
                case 0, 1 -> unary(TestServices.ECHO, "u" + i + "x".repeat(i % 3000), CallOptions.DEFAULT);
                case 2 -> unary(FAIL, "f" + i, CallOptions.DEFAULT);
                case 3 -> unary(NEVER, "d" + i, CallOptions.timeout(Duration.ofMillis(20)));
                case 4 -> stream(TestServices.EXPAND, CallKind.SERVER_STREAMING, List.of("s" + i));
                case 5 -> stream(TestServices.COLLECT, CallKind.CLIENT_STREAMING, List.of("a", "b" + i));
                case 6 -> stream(TestServices.CHAT, CallKind.BIDI_STREAMING, List.of("c", "x".repeat(i % 10_000)));
                default -> {
                    CallFuture<String> f = (CallFuture<String>) unary(NEVER, "c" + i, CallOptions.DEFAULT);
                    f.cancel(true);
                    yield f;
                }
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
}
