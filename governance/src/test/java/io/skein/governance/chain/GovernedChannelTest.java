package io.skein.governance.chain;

import static io.skein.governance.testing.ScriptedChannel.SAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.skein.governance.breaker.BreakerState;
import io.skein.governance.fallback.Fallback;
import io.skein.governance.testing.ScriptedChannel;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class GovernedChannelTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final Duration LIMIT = Duration.ofSeconds(10);

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static String config(String svc) {
        return "skein.client.services.\"test.Svc\" { " + svc + " }";
    }

    @Test
    void methodTimeoutAppliesUnlessTheCallSetsOneAndUserMiddlewareSitsInsideIt() {
        ScriptedChannel below = new ScriptedChannel(n -> CompletableFuture.completedFuture("ok"));
        List<String> seen = new CopyOnWriteArrayList<>();
        GovernedChannel channel = ClientGovernance.builder(testKit.system(), "test.Svc")
                .config(ConfigFactory.parseString(config("timeout = 2s, methods.Say.timeout = 300ms")))
                .use(next -> new ForwardingClientChannel(next) {
                    @Override
                    public <Req, Resp> java.util.concurrent.CompletionStage<Resp> unary(
                            io.skein.transport.MethodDescriptor<Req, Resp> method, Req request,
                            io.skein.transport.ClientCallContext context) {
                        seen.add("user saw " + context.timeout().orElse(null));
                        return super.unary(method, request, context);
                    }
                })
                .channel(below)
                .build();
        Await.result(channel.unary(SAY, "x", CallOptions.DEFAULT), LIMIT);
        Await.result(channel.unary(SAY, "x", CallOptions.timeout(Duration.ofMillis(50))), LIMIT);
        assertEquals(Duration.ofMillis(300), below.contexts.get(0).timeout().orElseThrow());
        assertEquals(Duration.ofMillis(50), below.contexts.get(1).timeout().orElseThrow(), "the per-call timeout wins");
        assertEquals(List.of("user saw PT0.3S", "user saw PT0.05S"), seen);
        channel.close();
    }

    @Test
    void serviceBreakerFailsFastAndTheFallbackAnswersAndReconfigureApplies() {
        ScriptedChannel below = ScriptedChannel.failing(StatusCode.INTERNAL);
        GovernedChannel channel = ClientGovernance.builder(testKit.system(), "test.Svc")
                .caller("tester")
                .config(ConfigFactory.parseString(config("circuit-breaker { consecutive-failures = 3, cooling = 1m }")))
                .fallback("Say", Fallback.<String, String>onCodes(Set.of(StatusCode.UNAVAILABLE),
                        (req, status) -> "fallback: " + status.message()))
                .channel(below)
                .build();
        for (int i = 0; i < 3; i++) {
            StatusException e = (StatusException) Await.failure(channel.unary(SAY, "x", CallOptions.DEFAULT), LIMIT);
            assertEquals(StatusCode.INTERNAL, e.code(), "INTERNAL is not a fallback code");
        }
        Await.until(LIMIT, () -> channel.stats().serviceBreaker("Say").state() == BreakerState.OPEN);
        String answer = Await.result(channel.unary(SAY, "x", CallOptions.DEFAULT), LIMIT);
        assertTrue(answer.startsWith("fallback: circuit breaker 'tester->test.Svc/Say' is open"), answer);
        assertEquals(3, below.attempts.size(), "an open breaker fails fast without calling below");

        channel.reconfigure(ConfigFactory.parseString(config("circuit-breaker { enabled = false }")));
        Await.until(LIMIT, () -> channel.stats().serviceBreaker("Say").state() == BreakerState.CLOSED);
        Await.failure(channel.unary(SAY, "x", CallOptions.DEFAULT), LIMIT);
        assertEquals(4, below.attempts.size());
        channel.close();
    }

    @Test
    void fallbackOnAResponse() {
        ScriptedChannel below = new ScriptedChannel(n -> CompletableFuture.completedFuture(""));
        GovernedChannel channel = ClientGovernance.builder(testKit.system(), "test.Svc")
                .fallback("Say", Fallback.<String, String>onResponse(String::isEmpty, (req, resp) -> "default for " + req))
                .channel(below)
                .build();
        assertEquals("default for x", Await.result(channel.unary(SAY, "x", CallOptions.DEFAULT), LIMIT));
        channel.close();
    }

    @Test
    void theConfiguredClientConcurrencyLimitHoldsEachAttemptBelowRetry() {
        CompletableFuture<String> held = new CompletableFuture<>();
        ScriptedChannel below = new ScriptedChannel(n -> held);
        GovernedChannel channel = ClientGovernance.builder(testKit.system(), "test.Svc")
                .config(ConfigFactory.parseString(config("concurrency-limit = 2")))
                .channel(below)
                .build();
        var first = channel.unary(SAY, "a", CallOptions.DEFAULT);
        var second = channel.unary(SAY, "b", CallOptions.DEFAULT);
        StatusException refused = (StatusException) Await.failure(channel.unary(SAY, "c", CallOptions.DEFAULT), LIMIT);
        assertEquals(StatusCode.RESOURCE_EXHAUSTED, refused.code());
        assertEquals(2, below.attempts.size(), "the refused call never reached the channel below");
        held.complete("ok");
        assertEquals("ok", Await.result(first, LIMIT));
        assertEquals("ok", Await.result(second, LIMIT));
        assertEquals("ok", Await.result(channel.unary(SAY, "d", CallOptions.DEFAULT), LIMIT), "places are given back");
        channel.close();
    }
}
