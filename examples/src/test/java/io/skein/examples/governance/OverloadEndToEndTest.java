package io.skein.examples.governance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.examples.bench.BenchCommand;
import io.skein.examples.bench.LoadGenerator;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.testing.TestNodes;
import io.skein.governance.limit.LimiterStats;
import io.skein.protocols.StatusCode;
import io.skein.runtime.SkeinNode;
import io.skein.transport.ServerQueueStats;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A real node under open-loop overload, driven by the real load generator: with the adaptive limit on,
 * the calls it cannot serve are refused with {@code RESOURCE_EXHAUSTED} and every call gets exactly one
 * outcome; through the client governance chain, the retry budget keeps the attempts that reach the wire
 * near one per call. Only invariants are checked, never a rate or a latency.
 */
class OverloadEndToEndTest {

    private static final Config CLIENT = ConfigFactory.parseString("pekko.loglevel = WARNING")
            .withFallback(ConfigFactory.load());

    private static String target(SkeinNode node) {
        return "skein://127.0.0.1:" + node.address().getPort();
    }

    @Test
    void anOverloadedNodeWithTheAdaptiveLimitRefusesWhatItCannotServeAndAnswersEveryCallOnce() {
        // 2 ms of CPU per call: at most 500 calls/s on a whole core; 2000 calls/s are offered.
        SkeinNode node = TestNodes.echoNode("""
                skein.server.limits.adaptive { enabled = on, window = 20ms, queue-target = 2ms }
                """);
        try {
            LoadGenerator.Result r = LoadGenerator.run(CLIENT,
                    LoadGenerator.Settings.of(target(node), LoadGenerator.Method.SAY)
                            .withPayloadBytes(16).withCpuMicros(2_000).withRate(2_000).withMaxInFlight(5_000)
                            .withDuration(Duration.ofSeconds(2)).withWarmup(Duration.ofMillis(500)));
            String text = BenchCommand.text(r);
            assertTrue(r.okCalls() > 0, text);
            Long refused = r.refusals().get(StatusCode.RESOURCE_EXHAUSTED);
            assertTrue(refused != null && refused > 0, "the limit shed: " + text);
            // Every failure is a refusal: nothing timed out, was lost or failed otherwise.
            assertEquals(Map.of(StatusCode.RESOURCE_EXHAUSTED, refused), r.errors(), text);
            assertEquals(r.calls(), r.okCalls() + refused, text);
            // The refusals were the adaptive limit's (once the load is gone it grows back: no assertion on its value).
            LimiterStats server = node.limits().stats().server();
            assertTrue(server.refusedConcurrency() >= refused, server + " / " + text);
            ServerQueueStats queues = node.queues();
            ServerQueueStats.Service echo = queues.service("skein.examples.echo.Echo");
            assertTrue(echo.peak() <= echo.bound(), queues.toString());
            assertEquals(0, queues.refused(), "the limit acted before any queue bound: " + queues);
        } finally {
            TestNodes.close(node);
        }
    }

    @Test
    void theRetryBudgetKeepsRetriesOfRefusedCallsFromMultiplyingTheAttempts() {
        SkeinNode node = TestNodes.echoNode();
        try {
            // Every call is refused (Echo fails it with RESOURCE_EXHAUSTED); Say retries refusals twice.
            String retry = "skein.client.services.\"skein.examples.echo.Echo\".methods.Say { idempotent = true,"
                    + " retry { max-retries = 2, retryable-codes = [RESOURCE_EXHAUSTED] } }\n";
            LoadGenerator.Settings refusedCalls = LoadGenerator.Settings.of(target(node), LoadGenerator.Method.SAY)
                    .withConcurrency(4).withDuration(Duration.ofMillis(1500)).withWarmup(Duration.ofMillis(500))
                    .withRequests(() -> EchoRequest.newBuilder().setFailWith(8).build());
            LoadGenerator.Result unbudgeted = LoadGenerator.run(ConfigFactory.parseString(retry
                    + "skein.client.services.\"skein.examples.echo.Echo\".methods.Say.retry.budget.enabled = false")
                    .withFallback(CLIENT), refusedCalls, true);
            LoadGenerator.Result budgeted = LoadGenerator.run(ConfigFactory.parseString(retry).withFallback(CLIENT),
                    refusedCalls, true);
            // Without a budget each call is sent three times (the calls in flight at the window's edges aside).
            assertTrue(unbudgeted.attempts() >= 3 * unbudgeted.calls() - 3 * 4
                    && unbudgeted.attempts() <= 3 * unbudgeted.calls() + 3 * 4, BenchCommand.text(unbudgeted));
            // With it, retries stop once more than 10 % of at least 10 attempts failed (its actor decides a moment
            // later; those retries fall mostly in the warm-up): about one attempt per call.
            assertTrue(budgeted.calls() > 20, BenchCommand.text(budgeted));
            assertTrue(budgeted.attempts() <= 1.25 * budgeted.calls() + 3 * 4, BenchCommand.text(budgeted));
        } finally {
            TestNodes.close(node);
        }
    }
}
