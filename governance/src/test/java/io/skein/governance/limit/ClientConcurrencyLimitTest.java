package io.skein.governance.limit;

import static io.skein.transport.testing.TestServices.codeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.skein.transport.supervision.ActorOwner;
import io.skein.protocols.CallKind;
import io.skein.protocols.StatusCode;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import io.skein.transport.EndpointChannel;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client-side concurrency limit in front of a real (unlimited) server. */
class ClientConcurrencyLimitTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final MethodDescriptor<String, String> HOLD = TestServices.method(LimitedServer.HOLD, CallKind.UNARY);
    private static final MethodDescriptor<String, String> CHAT =
            TestServices.method(LimitedServer.CHAT, CallKind.BIDI_STREAMING);

    private static ActorTestKit testKit;
    private static ActorOwner owner;
    private LimitedServer server;
    private EndpointChannel raw;

    @BeforeAll
    static void startKit() {
        testKit = ActorTestKit.create("ClientConcurrencyLimitTest", Servers.config(
                "skein.client.services.\"test.Limits\".concurrency-limit = 7"));
        owner = ActorOwner.create(testKit.system(), "client-limits");
    }

    @AfterAll
    static void stopKit() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void start() {
        server = new LimitedServer(testKit.system(), ServerLimits.UNLIMITED);
        raw = EndpointChannel.create(testKit.system(), server.address());
    }

    @AfterEach
    void stop() {
        Await.result(raw.closeAsync(), LIMIT);
        server.close();
    }

    @Test
    void callsOverTheLimitFailAtOnceAndNeverReachTheServer() {
        try (ClientConcurrencyLimit limit = ClientConcurrencyLimit.create(owner, "test.Limits", 3)) {
            ClientChannel channel = limit.wrap(raw);
            List<CompletableFuture<String>> calls = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                calls.add(channel.unary(HOLD, "c" + i, CallOptions.DEFAULT).toCompletableFuture());
            }
            // Refused synchronously: no network round trip.
            assertEquals(7, calls.stream().filter(CompletableFuture::isCompletedExceptionally).count());
            calls.stream().filter(CompletableFuture::isCompletedExceptionally)
                    .forEach(c -> assertEquals(StatusCode.RESOURCE_EXHAUSTED, codeOf(Await.failure(c, LIMIT))));
            Await.until(LIMIT, () -> server.held.size() == 3);

            // Raised at run time: two more get through.
            Await.result(limit.update(5), LIMIT);
            calls.add(channel.unary(HOLD, "more", CallOptions.DEFAULT).toCompletableFuture());
            calls.add(channel.unary(HOLD, "more", CallOptions.DEFAULT).toCompletableFuture());
            CompletableFuture<String> sixth = channel.unary(HOLD, "over", CallOptions.DEFAULT).toCompletableFuture();
            assertEquals(StatusCode.RESOURCE_EXHAUSTED, codeOf(Await.failure(sixth, LIMIT)));
            Await.until(LIMIT, () -> server.held.size() == 5);
            assertEquals(5, server.served.get(), "only admitted calls reached the server");

            server.releaseHeld();
            Await.until(LIMIT, () -> limit.stats().inFlight() == 0, () -> "not released: " + limit.stats());
            LimiterStats stats = limit.stats();
            assertEquals(5, stats.admitted());
            assertEquals(8, stats.refusedConcurrency());
            assertEquals(5, stats.peakInFlight());
        }
    }

    @Test
    void anOpenStreamHoldsItsPlaceUntilItEnds() {
        try (ClientConcurrencyLimit limit = ClientConcurrencyLimit.fromConfig(owner, "test.Limits")) {
            assertEquals(7, limit.stats().concurrencyLimit(), "per-service config");
            Await.result(limit.update(1), LIMIT);
            ClientChannel channel = limit.wrap(raw);
            var open = Source.<String>maybe().prepend(Source.single("a")).viaMat(channel.stream(CHAT,
                    CallOptions.DEFAULT), Keep.left()).toMat(Sink.seq(), Keep.both()).run(testKit.system());
            Await.until(LIMIT, () -> server.inFlight.get() == 1);
            CompletionStage<List<String>> second = Source.single("b").via(channel.stream(CHAT, CallOptions.DEFAULT))
                    .runWith(Sink.seq(), testKit.system());
            assertEquals(StatusCode.RESOURCE_EXHAUSTED, codeOf(Await.failure(second, LIMIT)));
            open.first().complete(Optional.empty());
            assertEquals(List.of("a"), Await.result(open.second(), LIMIT));
            Await.until(LIMIT, () -> limit.stats().inFlight() == 0, () -> "stream not released");
            assertEquals(List.of("c"), Await.result(Source.single("c").via(channel.stream(CHAT, CallOptions.DEFAULT))
                    .runWith(Sink.seq(), testKit.system()), LIMIT));
        }
    }

    @Test
    void configFallsBackToDefaults() {
        var config = ConfigFactory.parseString("skein.client.services.\"a.B\".concurrency-limit = 9")
                .withFallback(ConfigFactory.defaultReference());
        assertEquals(9, ClientConcurrencyLimit.configuredLimit(config, "a.B"));
        assertEquals(0, ClientConcurrencyLimit.configuredLimit(config, "other.Svc"));
        assertTrue(ClientConcurrencyLimit.configuredLimit(testKit.system().settings().config(), "test.Limits") == 7);
    }
}
