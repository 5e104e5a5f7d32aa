package io.skein.examples.governance;

import static io.skein.examples.governance.EchoFleet.LIMIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.skein.actors.client.ServerStreamingMethod;
import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.UnaryMethod;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.echo.RepeatRequest;
import io.skein.examples.testing.Calls;
import io.skein.examples.testing.TestNodes;
import io.skein.governance.breaker.BreakerState;
import io.skein.governance.breaker.BreakerStats;
import io.skein.governance.chain.ClientGovernance;
import io.skein.governance.chain.GovernedChannel;
import io.skein.governance.fallback.Fallback;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.testing.Await;
import io.skein.transport.CallContext;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client governance chain against real Echo servers with scripted faults (several instances on
 * loopback): breakers, retry, the retry budget, backup requests, the stream receive timeout and
 * fallback, each shown through what the servers saw (attempts, served_by, how their calls ended),
 * never through timing.
 */
class ClientGovernanceEndToEndTest {

    private static ActorSystem<Void> client;

    @BeforeAll
    static void start() {
        client = TestNodes.clientSystem("governance-client", "");
    }

    @AfterAll
    static void stop() {
        TestNodes.terminate(client);
    }

    private static GovernedChannel governed(EchoFleet fleet, String serviceBlock) {
        return governed(fleet, EchoFleet.config(serviceBlock), null);
    }

    private static GovernedChannel governed(EchoFleet fleet, Config config, Fallback<EchoRequest, EchoReply> fallback) {
        ClientGovernance.Builder b = ClientGovernance.builder(client, EchoFleet.SERVICE)
                .caller("e2e").config(config).instances(fleet.source);
        if (fallback != null) {
            b.fallback("Say", fallback);
        }
        return b.build();
    }

    private static UnaryMethod<EchoRequest, EchoReply> say(GovernedChannel channel) {
        return ServiceClient.create(client, channel, TestNodes.ECHO).unary("Say", EchoRequest.class, EchoReply.class);
    }

    private static EchoRequest request(String message) {
        return EchoRequest.newBuilder().setMessage(message).build();
    }

    private static EchoRequest failing(int code) {
        return EchoRequest.newBuilder().setMessage("fail").setFailWith(code).build();
    }

    private static final String NO_OTHER_POLICIES = """
            instance-breaker.enabled = false
            circuit-breaker.enabled = false
            """;

    @Test
    void serviceBreakerOpensAfterTheThresholdFailsFastHalfOpensAfterCoolingAndClosesOnSuccess() {
        try (EchoFleet fleet = new EchoFleet("a", "b")) {
            String breaker = "circuit-breaker { error-rate = 0.5, min-samples = 10, cooling = 1m }";
            GovernedChannel channel = governed(fleet, breaker);
            UnaryMethod<EchoRequest, EchoReply> say = say(channel);
            for (int i = 0; i < 10; i++) {
                Calls.assertFails(StatusCode.INTERNAL, say.call(failing(13)));
            }
            Await.until(LIMIT, () -> channel.stats().serviceBreaker("Say").state() == BreakerState.OPEN,
                    () -> "breaker open after 10 failures of 10: " + channel.stats());
            int attempts = fleet.totalAttempts();
            StatusException fast = Calls.assertFails(StatusCode.UNAVAILABLE, say.call(request("while open")));
            assertTrue(fast.getMessage().contains("circuit breaker 'e2e->" + EchoFleet.SERVICE + "/Say' is open"),
                    fast.getMessage());
            assertEquals(attempts, fleet.totalAttempts(), "fails fast: no server saw the call");
            assertEquals(1, channel.stats().serviceBreaker("Say").rejected());

            // Run-time reconfiguration: a short cooling ends the open period now.
            channel.reconfigure(EchoFleet.config(breaker.replace("1m", "100ms")));
            Await.until(LIMIT, () -> channel.stats().serviceBreaker("Say").state() == BreakerState.HALF_OPEN,
                    () -> "half-open after cooling: " + channel.stats());
            Calls.await(say.call(request("probe 1")));
            Calls.await(say.call(request("probe 2")));
            Await.until(LIMIT, () -> channel.stats().serviceBreaker("Say").state() == BreakerState.CLOSED,
                    () -> "closed after 2 good probes: " + channel.stats());
            assertEquals("after", Calls.await(say.call(request("after"))).getMessage());
            channel.close();
        }
    }

    @Test
    void instanceBreakerTakesAFailingInstanceOutOfRotationAndBringsItBack() {
        try (EchoFleet fleet = new EchoFleet("bad", "b", "c")) {
            fleet.node("bad").failWith = StatusCode.UNAVAILABLE.value();
            String block = """
                    circuit-breaker.enabled = false
                    retry.budget.enabled = false
                    methods.Say.idempotent = true
                    instance-breaker { consecutive-failures = 2, cooling = 1m }
                    """;
            GovernedChannel channel = governed(fleet, block);
            UnaryMethod<EchoRequest, EchoReply> say = say(channel);
            for (int i = 0; i < 9; i++) {
                assertTrue(Set.of("b", "c").contains(Calls.await(say.call(request("m" + i))).getServedBy()));
            }
            Await.until(LIMIT, () -> instanceState(channel, "bad") == BreakerState.OPEN,
                    () -> "instance breaker of bad open: " + channel.stats());
            int badAttempts = fleet.node("bad").attempts.get();
            for (int i = 0; i < 9; i++) {
                Calls.await(say.call(request("n" + i)));
            }
            assertEquals(badAttempts, fleet.node("bad").attempts.get(), "the balancer skips an open instance");

            fleet.node("bad").failWith = 0; // healed
            channel.reconfigure(EchoFleet.config(block.replace("1m", "100ms")));
            Await.until(LIMIT, () -> instanceState(channel, "bad") == BreakerState.HALF_OPEN);
            Await.until(LIMIT, () -> {
                Calls.await(say.call(request("probe")));
                return instanceState(channel, "bad") == BreakerState.CLOSED;
            }, () -> "bad closed after good probes: " + channel.stats());
            assertTrue(fleet.node("bad").attempts.get() >= badAttempts + 2);
            channel.close();
        }
    }

    private static BreakerState instanceState(GovernedChannel channel, String node) {
        return channel.stats().instanceBreakers().stream().filter(b -> b.name().contains("@" + node + "("))
                .map(BreakerStats::state).findFirst().orElse(null);
    }

    @Test
    void retryLandsOnAnotherInstance() {
        try (EchoFleet fleet = new EchoFleet("bad", "b", "c")) {
            fleet.node("bad").failWith = StatusCode.UNAVAILABLE.value();
            GovernedChannel channel = governed(fleet, NO_OTHER_POLICIES + """
                    retry.budget.enabled = false
                    methods.Say.idempotent = true
                    """);
            UnaryMethod<EchoRequest, EchoReply> say = say(channel);
            for (int i = 0; i < 12; i++) {
                EchoReply reply = Calls.await(say.call(request("m" + i)));
                assertTrue(Set.of("b", "c").contains(reply.getServedBy()), reply.getServedBy());
            }
            EchoFleet.Node bad = fleet.node("bad");
            assertTrue(bad.attempts.get() >= 3, "round robin sent first attempts to the bad instance");
            assertEquals(bad.attempts.get(), new HashSet<>(bad.messages).size(), "no call went to the bad instance twice");
            assertEquals(12 + bad.attempts.get(), fleet.totalAttempts(), "each failure was retried exactly once");
            channel.close();
        }
    }

    @Test
    void retryBudgetStopsARetryStormWhenEveryInstanceFails() {
        try (EchoFleet fleet = new EchoFleet("a", "b", "c")) {
            fleet.nodes.forEach(n -> n.failWith = StatusCode.UNAVAILABLE.value());
            String retry = NO_OTHER_POLICIES + "methods.Say.idempotent = true\n";

            GovernedChannel unbounded = governed(fleet, retry + "retry.budget.enabled = false");
            for (int i = 0; i < 10; i++) {
                Calls.assertFails(StatusCode.UNAVAILABLE, say(unbounded).call(request("storm" + i)));
            }
            assertEquals(30, fleet.totalAttempts(), "without a budget every call makes 3 attempts");
            unbounded.close();

            GovernedChannel budgeted = governed(fleet, retry + "retry.budget { error-rate = 0.1, min-samples = 10 }");
            UnaryMethod<EchoRequest, EchoReply> say = say(budgeted);
            int before = fleet.totalAttempts();
            for (int i = 0; i < 60; i++) {
                Calls.assertFails(StatusCode.UNAVAILABLE, say.call(request("call" + i)));
            }
            int attempts = fleet.totalAttempts() - before;
            assertTrue(attempts < 60 + 20, "the budget stops retrying after ~10 samples: " + attempts + " attempts");
            assertTrue(!budgeted.stats().retryBudget("Say").allowed());
            assertTrue(budgeted.stats().retryBudget("Say").denied() >= 40, budgeted.stats().toString());
            budgeted.close();
        }
    }

    @Test
    void backupRequestCutsTheTailWhenOneInstanceIsSlow() {
        try (EchoFleet fleet = new EchoFleet("slow", "fast")) {
            fleet.node("slow").delayMs = 20_000;
            GovernedChannel channel = governed(fleet, NO_OTHER_POLICIES + """
                    methods.Say { idempotent = true, retry.max-retries = 0, backup { enabled = true, delay = 50ms } }
                    """);
            UnaryMethod<EchoRequest, EchoReply> say = say(channel);
            for (int i = 0; i < 6; i++) {
                assertEquals("fast", Calls.await(say.call(request("m" + i))).getServedBy());
            }
            EchoFleet.Node slow = fleet.node("slow");
            assertTrue(slow.attempts.get() >= 3, "round robin sent first attempts to the slow instance");
            assertEquals(6, fleet.node("fast").attempts.get(), "each call answered once by the fast instance");
            for (CallContext ctx : List.copyOf(slow.contexts)) {
                assertEquals(StatusCode.CANCELLED, Await.result(ctx.termination(), LIMIT).code(),
                        "the slow attempt was cancelled on the wire when the backup won");
            }
            channel.close();
        }
    }

    @Test
    void streamReceiveTimeoutEndsASilentStreamWithDeadlineExceeded() {
        try (EchoFleet fleet = new EchoFleet("a")) {
            GovernedChannel channel = governed(fleet, "methods.Repeat.receive-timeout = 300ms");
            ServerStreamingMethod<RepeatRequest, EchoReply> repeat = ServiceClient.create(client, channel, TestNodes.ECHO)
                    .serverStreaming("Repeat", RepeatRequest.class, EchoReply.class);
            // One reply, then silence for a minute.
            CompletionStage<List<EchoReply>> replies = repeat.call(RepeatRequest.newBuilder().setMessage("r")
                    .setCount(2).setIntervalMs(60_000).build()).runWith(Sink.seq(), client);
            StatusException e = Calls.assertFails(StatusCode.DEADLINE_EXCEEDED, replies);
            assertTrue(e.getMessage().contains("receive-timeout"), e.getMessage());
            CallContext server = fleet.node("a").contexts.peek();
            Await.result(server.termination(), LIMIT); // the server's stream ended too, nothing hangs
            channel.close();
        }
    }

    @Test
    void fallbackAnswersOnErrorAndOnlyForItsCodes() {
        try (EchoFleet fleet = new EchoFleet("a")) {
            GovernedChannel channel = governed(fleet, EchoFleet.config(NO_OTHER_POLICIES),
                    Fallback.onCodes(Set.of(StatusCode.UNAVAILABLE),
                            (req, status) -> EchoReply.newBuilder().setMessage("fallback for " + req.getMessage()).build()));
            UnaryMethod<EchoRequest, EchoReply> say = say(channel);
            EchoRequest unavailable = EchoRequest.newBuilder().setMessage("x").setFailWith(14).build();
            assertEquals("fallback for x", Calls.await(say.call(unavailable)).getMessage());
            Calls.assertFails(StatusCode.NOT_FOUND, say.call(failing(5)));
            assertEquals("ok", Calls.await(say.call(request("ok"))).getMessage());
            channel.close();
        }
    }
}
