package io.skein.transport;

import static io.skein.transport.testing.TestServices.codeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.StatusCode;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.testing.Await;
import io.skein.transport.testing.RawClient;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Client connection pool and server lifecycle: pool size, refused connects, graceful drain, restart. */
class ConnectionLifecycleTest {

    private static final Duration LIMIT = Duration.ofSeconds(5);
    private static final int POOL = 3;
    static final String SLOW = "test.Life/Slow";

    private static final MethodDescriptor<String, String> ECHO = TestServices.method(TestServices.ECHO, CallKind.UNARY);
    private static final MethodDescriptor<String, String> SLOW_METHOD = TestServices.method(SLOW, CallKind.UNARY);

    private static ActorTestKit testKit;
    private final BlockingQueue<CompletableFuture<String>> slowCalls = new LinkedBlockingQueue<>();
    private final BlockingQueue<CallContext> slowContexts = new LinkedBlockingQueue<>();
    private final List<RpcServer> servers = new ArrayList<>();
    private final List<EndpointChannel> channels = new ArrayList<>();

    @BeforeAll
    static void startKit() {
        // A connect timeout far above the bounds asserted below: a refused connect must not wait for it.
        testKit = ActorTestKit.create("ConnectionLifecycleTest", Servers.config("""
                skein.client.connections-per-endpoint = %d
                skein.transport.connect-timeout = 10s
                """.formatted(POOL)));
    }

    @AfterAll
    static void stopKit() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void clear() {
        slowCalls.clear();
        slowContexts.clear();
    }

    @AfterEach
    void cleanup() {
        slowCalls.forEach(f -> f.complete("cleanup"));
        channels.forEach(c -> Await.result(c.closeAsync(), LIMIT));
        servers.forEach(s -> Await.result(s.shutdown(Duration.ofMillis(100)), Servers.TIMEOUT));
    }

    private MethodRegistry registry() {
        return TestServices.echo()
                .unary(SLOW, (req, ctx) -> {
                    CompletableFuture<String> answer = new CompletableFuture<>();
                    slowContexts.add(ctx);
                    slowCalls.add(answer);
                    return answer;
                })
                .build();
    }

    private RpcServer server() {
        RpcServer s = Servers.start(testKit.system(), registry());
        servers.add(s);
        return s;
    }

    private EndpointChannel channel(InetSocketAddress address) {
        EndpointChannel c = EndpointChannel.create(testKit.system(), address);
        channels.add(c);
        return c;
    }

    private <T> T take(BlockingQueue<T> queue) {
        try {
            T value = queue.poll(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(value, "handler not called within " + LIMIT);
            return value;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void channelOpensAtMostConnectionsPerEndpoint() {
        RpcServer server = server();
        EndpointChannel channel = channel(server.localAddress());
        for (int round = 0; round < 3; round++) {
            List<CompletableFuture<String>> calls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                calls.add(channel.unary(ECHO, "r" + round + "-" + i, CallOptions.DEFAULT).toCompletableFuture());
            }
            Source.range(1, 20)
                    .mapAsyncUnordered(20, i -> Source.single("s" + i)
                            .via(channel.stream(TestServices.method(TestServices.CHAT, CallKind.BIDI_STREAMING),
                                    CallOptions.DEFAULT))
                            .runWith(Sink.head(), testKit.system()))
                    .runWith(Sink.ignore(), testKit.system());
            for (int i = 0; i < calls.size(); i++) {
                assertEquals("r" + round + "-" + i, Await.result(calls.get(i), LIMIT));
            }
            int connections = Servers.load(server).connections();
            assertTrue(connections <= POOL, "the channel opened " + connections + " connections");
        }
        // The pool fills up to exactly the configured size, and no further.
        Await.until(LIMIT, () -> Servers.load(server).connections() == POOL, () -> POOL + " connections");
        for (int i = 0; i < 100; i++) {
            Await.result(channel.unary(ECHO, "more", CallOptions.DEFAULT), LIMIT);
        }
        assertEquals(POOL, Servers.load(server).connections());
    }

    @Test
    void callsToAClosedPortFailUnavailableQuickly() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        EndpointChannel channel = channel(new InetSocketAddress("127.0.0.1", port));
        // A refused connect fails at once; the bound only has to stay below the 10 s connect timeout,
        // which is what a refusal mistaken for a silent peer would wait for.
        Duration quickly = Duration.ofSeconds(8);
        for (int attempt = 0; attempt < 2; attempt++) {
            Throwable unary = Await.failure(channel.unary(ECHO, "x", CallOptions.DEFAULT), quickly);
            assertEquals(StatusCode.UNAVAILABLE, codeOf(unary), unary::toString);
            Throwable stream = Await.failure(Source.single("x")
                    .via(channel.stream(TestServices.method(TestServices.CHAT, CallKind.BIDI_STREAMING),
                            CallOptions.DEFAULT))
                    .runWith(Sink.seq(), testKit.system()), quickly);
            assertEquals(StatusCode.UNAVAILABLE, codeOf(stream), stream::toString);
        }
    }

    @Test
    void shutdownDrainsInFlightCallsThenRefusesNewOnes() {
        RpcServer server = server();
        EndpointChannel channel = channel(server.localAddress());
        assertEquals("warm", Await.result(channel.unary(ECHO, "warm", CallOptions.DEFAULT), LIMIT));
        CompletionStage<String> slow = channel.unary(SLOW_METHOD, "slow", CallOptions.DEFAULT);
        CompletableFuture<String> answer = take(slowCalls);
        CallContext slowContext = take(slowContexts);

        try (RawClient observer = RawClient.connect(server.localAddress())) {
            observer.write(new SkeinFrame.UnaryRequest(1, TestServices.ECHO, Metadata.EMPTY, 0, RawClient.utf8("o")));
            observer.read(SkeinFrame.UnaryResponse.class, LIMIT);
            Await.until(LIMIT, () -> Servers.load(server).connections() >= 2, () -> "observer connection known");

            CompletionStage<org.apache.pekko.Done> shutdown = server.shutdown(Duration.ofSeconds(20));

            // Draining has begun: the idle observer connection gets GOAWAY and is closed.
            SkeinFrame.GoAway goAway = observer.read(SkeinFrame.GoAway.class, LIMIT);
            assertEquals(0, goAway.streamId());
            observer.assertClosedWithin(LIMIT);

            // New calls are refused meanwhile, but the call in flight is still alive.
            Throwable refused = Await.failure(channel.unary(ECHO, "during", CallOptions.DEFAULT), LIMIT);
            assertEquals(StatusCode.UNAVAILABLE, codeOf(refused), refused::toString);
            assertFalse(slow.toCompletableFuture().isDone(), () -> "slow call ended early: " + slow);
            assertFalse(slowContext.isDone(), () -> "slow call ended early on the server: " + slowContext.termination());
            assertFalse(shutdown.toCompletableFuture().isDone(), "shutdown did not wait for the call in flight");

            answer.complete("finished");
            assertEquals("finished", Await.result(slow, LIMIT));
            assertEquals(StatusCode.OK, Await.result(slowContext.termination(), LIMIT).code());
            Await.result(shutdown, LIMIT);
        }
        Throwable after = Await.failure(channel.unary(ECHO, "after", CallOptions.DEFAULT), LIMIT);
        assertEquals(StatusCode.UNAVAILABLE, codeOf(after), after::toString);
    }

    @Test
    void shutdownClosesConnectionsWhoseCallsOutliveTheExitWait() {
        RpcServer server = server();
        EndpointChannel channel = channel(server.localAddress());
        CompletionStage<String> slow = channel.unary(SLOW_METHOD, "never answered", CallOptions.DEFAULT);
        CallContext context = take(slowContexts);
        Await.result(server.shutdown(Duration.ofMillis(200)), LIMIT);
        assertEquals(StatusCode.UNAVAILABLE, codeOf(Await.failure(slow, LIMIT)));
        assertEquals(StatusCode.UNAVAILABLE, Await.result(context.termination(), LIMIT).code());
    }

    @Test
    void newChannelWorksAfterRestartOnANewPort() {
        RpcServer first = server();
        EndpointChannel firstChannel = channel(first.localAddress());
        assertEquals("one", Await.result(firstChannel.unary(ECHO, "one", CallOptions.DEFAULT), LIMIT));
        Await.result(first.shutdown(Duration.ofSeconds(1)), LIMIT);
        assertEquals(StatusCode.UNAVAILABLE,
                codeOf(Await.failure(firstChannel.unary(ECHO, "gone", CallOptions.DEFAULT), LIMIT)));

        RpcServer second = server();
        EndpointChannel secondChannel = channel(second.localAddress());
        assertEquals("two", Await.result(secondChannel.unary(ECHO, "two", CallOptions.DEFAULT), LIMIT));
        assertEquals(List.of("x-0", "x-1", "x-2"), Await.result(Source.single("x")
                .via(secondChannel.stream(TestServices.method(TestServices.EXPAND, CallKind.SERVER_STREAMING),
                        CallOptions.DEFAULT))
                .runWith(Sink.seq(), testKit.system()), LIMIT));
    }

    @Test
    void closingTheChannelEndsItsCallsWithUnavailableOnBothSides() {
        RpcServer server = server();
        EndpointChannel channel = EndpointChannel.create(testKit.system(), server.localAddress());
        CompletionStage<String> slow = channel.unary(SLOW_METHOD, "slow", CallOptions.DEFAULT);
        CallContext context = take(slowContexts);
        Await.result(channel.closeAsync(), LIMIT);
        assertEquals(StatusCode.UNAVAILABLE, codeOf(Await.failure(slow, LIMIT)));
        assertEquals(StatusCode.UNAVAILABLE, Await.result(context.termination(), LIMIT).code());
        Await.until(LIMIT, () -> Servers.load(server).connections() == 0, () -> "connections closed");
        assertEquals(0, Servers.load(server).activeCalls());
    }
}
