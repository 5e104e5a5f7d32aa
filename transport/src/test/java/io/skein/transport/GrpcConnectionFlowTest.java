package io.skein.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.protocols.CallKind;
import io.skein.testing.Await;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * gRPC calls sharing one HTTP/2 connection: calls beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS
 * wait for a free stream instead of failing, and a stream whose consumer stalls holds its own window
 * only, never the whole connection's.
 */
class GrpcConnectionFlowTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final String HELD = "test.Flow/Held";
    private static final String FLOOD = "test.Flow/Flood";
    private static final MethodDescriptor<String, String> ECHO = TestServices.method(TestServices.ECHO, CallKind.UNARY);
    private static final MethodDescriptor<String, String> HELD_METHOD = TestServices.method(HELD, CallKind.UNARY);
    private static final MethodDescriptor<String, String> FLOOD_METHOD =
            TestServices.method(FLOOD, CallKind.SERVER_STREAMING);

    private static ActorTestKit testKit;
    private static final LinkedBlockingQueue<CompletableFuture<String>> held = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() {
        // One connection per endpoint, so every call below shares it; a server that takes two streams at once.
        testKit = ActorTestKit.create("GrpcConnectionFlowTest", Servers.config("""
                skein.client.connections-per-endpoint = 1
                skein.grpc.max-concurrent-streams = 2
                """));
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    private static RpcServer server() {
        return Servers.start(testKit.system(), TestServices.echo()
                .unary(HELD, (req, ctx) -> {
                    CompletableFuture<String> answer = new CompletableFuture<>();
                    held.add(answer);
                    return answer;
                })
                // 1 MiB in 1 KiB messages: far more than one stream's 64 KiB window.
                .serverStream(FLOOD, (req, ctx) -> Source.range(1, 1024).map(i -> "x".repeat(1024)))
                .build());
    }

    private static CompletableFuture<String> nextHeld() throws InterruptedException {
        CompletableFuture<String> answer = held.poll(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        if (answer == null) {
            throw new AssertionError("a held call did not reach the service");
        }
        return answer;
    }

    @Test
    void callsBeyondTheServersStreamLimitWaitForAFreeStreamInsteadOfFailing() throws Exception {
        RpcServer server = server();
        try (EndpointChannel channel = EndpointChannel.grpc(testKit.system(), server.localAddress())) {
            assertEquals("warm", Await.result(channel.unary(ECHO, "warm", CallOptions.timeout(LIMIT)), LIMIT));
            CompletionStage<String> first = channel.unary(HELD_METHOD, "1", CallOptions.timeout(LIMIT));
            CompletionStage<String> second = channel.unary(HELD_METHOD, "2", CallOptions.timeout(LIMIT));
            CompletableFuture<String> firstAnswer = nextHeld();
            CompletableFuture<String> secondAnswer = nextHeld();
            // Both streams are taken: the third call waits on the client for one of them.
            CompletionStage<String> third = channel.unary(ECHO, "3", CallOptions.timeout(LIMIT));
            firstAnswer.complete("1");
            assertEquals("1", Await.result(first, LIMIT));
            assertEquals("3", Await.result(third, LIMIT));
            secondAnswer.complete("2");
            assertEquals("2", Await.result(second, LIMIT));
        } finally {
            Await.result(server.shutdown(Duration.ofSeconds(1)), LIMIT);
        }
    }

    @Test
    void aStreamWhoseConsumerStallsDoesNotStallTheOtherCallsOnItsConnection() {
        RpcServer server = server();
        try (EndpointChannel channel = EndpointChannel.grpc(testKit.system(), server.localAddress())) {
            assertEquals("warm", Await.result(channel.unary(ECHO, "warm", CallOptions.timeout(LIMIT)), LIMIT));
            // Takes one message and then stops asking: the server fills this stream's window and stops.
            TestSubscriber.Probe<String> stalled = Source.single("go").via(channel.stream(FLOOD_METHOD, CallOptions.DEFAULT))
                    .runWith(TestSink.probe(testKit.system().classicSystem()), testKit.system());
            stalled.request(1);
            stalled.expectNext(Duration.ofSeconds(10), "x".repeat(1024));
            // Unary calls on the same connection still get their answers.
            for (int i = 0; i < 20; i++) {
                assertEquals("after-" + i, Await.result(channel.unary(ECHO, "after-" + i, CallOptions.timeout(LIMIT)), LIMIT));
            }
            stalled.cancel();
        } finally {
            Await.result(server.shutdown(Duration.ofSeconds(1)), LIMIT);
        }
    }
}
