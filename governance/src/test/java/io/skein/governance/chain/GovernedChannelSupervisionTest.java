package io.skein.governance.chain;

import static io.skein.governance.testing.ScriptedChannel.SAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.skein.governance.breaker.BreakerState;
import io.skein.governance.discovery.Instance;
import io.skein.governance.discovery.StaticInstanceSource;
import io.skein.transport.supervision.FailureInjection;
import io.skein.governance.testing.ScriptedChannel;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A governed channel owns its policy actors: they live under its owner, survive their own crashes
 * without failing or holding up a call, and stop with the channel.
 */
class GovernedChannelSupervisionTest {

    private static final ActorTestKit testKit = ActorTestKit.create("GovernedChannelSupervisionTest");
    private static final Duration LIMIT = Duration.ofSeconds(10);

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    /** Two instances behind a balancer, each answering "ok" while {@code healthy}, else UNAVAILABLE. */
    private static GovernedChannel channel(AtomicBoolean healthy, String policies) {
        ScriptedChannel endpoint = new ScriptedChannel(n -> healthy.get() ? CompletableFuture.completedFuture("ok")
                : CompletableFuture.failedFuture(new StatusException(StatusCode.UNAVAILABLE, "down")));
        return ClientGovernance.builder(testKit.system(), "test.Svc")
                .caller("tester")
                .config(ConfigFactory.parseString("skein.client.services.\"test.Svc\" { concurrency-limit = 10, "
                        + "methods.Say { idempotent = true }, " + policies + " }"))
                .instances(StaticInstanceSource.of("test.Svc",
                        List.of(Instance.of("a", "127.0.0.1", 1), Instance.of("b", "127.0.0.1", 2))))
                .balancedChannel(b -> b.opener(instance -> endpoint))
                .build();
    }

    private static Set<String> kinds(List<ActorRef<Void>> children) {
        return children.stream().map(c -> c.path().name().replaceAll("-.*", "")).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void closingTheChannelStopsEveryPolicyActorItOwnsInOneStep() {
        GovernedChannel channel = channel(new AtomicBoolean(true), "");
        for (int i = 0; i < 4; i++) {
            assertEquals("ok", Await.result(channel.unary(SAY, "x", CallOptions.DEFAULT), LIMIT));
        }
        List<ActorRef<Void>> children = Await.result(channel.owner().children(), LIMIT);
        // The service breaker, an instance breaker per instance, the method's retry budget, the limiter.
        assertEquals(5, children.size(), children::toString);
        assertEquals(Set.of("breaker", "concurrency", "retry"), kinds(children));
        assertTrue(channel.owner().ref().path().toString().matches(".*/system/skein-client-test.Svc-\\d+"),
                channel.owner().ref().path().toString());

        Await.result(channel.closeAsync(), LIMIT);
        assertTrue(channel.owner().isTerminated(), "closeAsync completes once the subtree has stopped");
        TestProbe<Object> watcher = testKit.createTestProbe();
        children.forEach(c -> watcher.expectTerminated(c, LIMIT));
        watcher.expectTerminated(channel.owner().ref(), LIMIT);
        assertEquals(List.of(), Await.result(channel.owner().children(), LIMIT), "no orphan is left");
    }

    @Test
    void callsNeitherFailNorWaitWhileEveryPolicyActorOfTheChannelThrowsAndTheBreakerStillWorksAfterwards() {
        AtomicBoolean healthy = new AtomicBoolean(true);
        GovernedChannel channel = channel(healthy,
                "retry.max-retries = 0, circuit-breaker { consecutive-failures = 2, cooling = 100ms }");
        for (int i = 0; i < 4; i++) { // every instance picked: its breaker exists
            assertEquals("ok", Await.result(channel.unary(SAY, "x", CallOptions.DEFAULT), LIMIT));
        }
        List<ActorRef<Void>> children = Await.result(channel.owner().children(), LIMIT);
        assertEquals(4, children.size(), "service breaker, two instance breakers, limiter (no retries, no budget): "
                + children);

        children.forEach(c -> FailureInjection.inject(c, "every policy actor throws"));
        for (int i = 0; i < 20; i++) {
            assertEquals("ok", Await.result(channel.unary(SAY, "x" + i, CallOptions.DEFAULT), LIMIT));
        }

        healthy.set(false);
        Await.until(LIMIT, () -> {
            Await.failure(channel.unary(SAY, "x", CallOptions.DEFAULT), LIMIT);
            return channel.stats().serviceBreaker("Say").state() == BreakerState.OPEN;
        }, () -> "the restarted service breaker opens");
        healthy.set(true);
        Await.until(LIMIT, () -> {
            Await.result(channel.unary(SAY, "x", CallOptions.DEFAULT).handle((answer, rejected) -> "ended"), LIMIT);
            return channel.stats().serviceBreaker("Say").state() == BreakerState.CLOSED;
        }, () -> "and cools, half-opens and closes again");
        assertEquals(children.size(), Await.result(channel.owner().children(), LIMIT).size(),
                "restarted in place: no actor lost, none added");
        Await.result(channel.closeAsync(), LIMIT);
    }
}
