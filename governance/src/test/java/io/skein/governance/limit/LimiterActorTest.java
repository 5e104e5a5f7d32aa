package io.skein.governance.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.testing.Await;
import java.time.Duration;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A limiter actor: it owns the settings the gate enforces, changes them at run time, adapts, reports. */
class LimiterActorTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final ActorTestKit testKit = ActorTestKit.create("LimiterActorTest");

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    @Test
    void updatesTakeEffectAndStatsCount() {
        Gate gate = new Gate("server", "server limit reached", LimitSettings.concurrency(1), 0);
        ActorRef<LimiterActor.Command> actor = testKit.spawn(LimiterActor.create(gate));
        assertNull(gate.tryAcquire());
        gate.commit();
        Status refused = gate.tryAcquire();
        assertNotNull(refused);
        assertEquals(StatusCode.RESOURCE_EXHAUSTED, refused.code());
        assertEquals("server limit reached: at most 1 concurrent calls (server)", refused.message());

        TestProbe<Done> done = testKit.createTestProbe();
        actor.tell(new LimiterActor.Update(LimitSettings.concurrency(2), done.getRef()));
        done.expectMessage(Done.getInstance());
        assertNull(gate.tryAcquire(), "the new limit admits a second call");
        gate.commit();

        TestProbe<LimiterStats> stats = testKit.createTestProbe();
        actor.tell(new LimiterActor.GetStats(stats.getRef()));
        LimiterStats s = stats.receiveMessage();
        assertEquals(2, s.concurrencyLimit());
        assertEquals(2, s.inFlight());
        assertEquals(2, s.admitted());
        assertEquals(1, s.refusedConcurrency());
        gate.release(Status.OK);
        gate.release(Status.OK);
        assertEquals(0, gate.stats().inFlight());
        assertEquals(2, gate.stats().peakInFlight());
        testKit.stop(actor);
    }

    @Test
    void anAdaptiveLimitShrinksWhenCallsQueueAndGrowsBackWhenTheQueueIsGone() {
        AdaptiveSettings adaptive = AdaptiveSettings.OFF.withEnabled(true).withLimits(40, 2, 200)
                .withWindow(Duration.ofMillis(20), 5).withQueueTarget(Duration.ofMillis(2))
                .withChurn(1e9, 1, 1e9, Duration.ZERO); // how fast this loop drives the gate is no churn
        Gate gate = new Gate("server", "server limit reached", LimitSettings.UNLIMITED.withAdaptive(adaptive), 40);
        ActorRef<LimiterActor.Command> actor = testKit.spawn(LimiterActor.create(gate));
        assertEquals(40, gate.stats().concurrencyLimit());
        // Calls that start at once, with more waiting at the door than the limit lets in: it grows.
        Await.until(LIMIT, () -> {
            drive(gate, 0);
            return gate.stats().concurrencyLimit() > 60;
        }, () -> "did not grow: " + gate.stats());
        // Calls that each waited 20 ms in the node before their service started them: it shrinks.
        int high = gate.stats().concurrencyLimit();
        Await.until(LIMIT, () -> {
            drive(gate, 20);
            return gate.stats().concurrencyLimit() < high / 2;
        }, () -> "did not shrink from " + high + ": " + gate.stats());
        int low = gate.stats().concurrencyLimit();
        Await.until(LIMIT, () -> {
            drive(gate, 0);
            return gate.stats().concurrencyLimit() > low * 2;
        }, () -> "did not grow back from " + low + ": " + gate.stats());
        // And switching adaptive off leaves no concurrency limit.
        TestProbe<Done> done = testKit.createTestProbe();
        actor.tell(new LimiterActor.Update(LimitSettings.UNLIMITED, done.getRef()));
        done.expectMessage(Done.getInstance());
        assertEquals(0, gate.stats().concurrencyLimit());
        testKit.stop(actor);
    }

    /**
     * Fills the gate to its limit (the call that finds it full is refused), and ends every admitted call as
     * if it had waited {@code queuedMs} in the node before its service started it.
     */
    static void drive(Gate gate, long queuedMs) {
        java.util.List<Integer> ahead = new java.util.ArrayList<>();
        while (gate.tryAcquire() == null) {
            ahead.add(gate.commitQueued());
            assertTrue(ahead.size() <= 1_000, "the gate never refused");
        }
        for (int a : ahead) {
            // Calls that waited found others ahead of them; calls that did not wait may have found none.
            gate.dequeued(true, queuedMs * 1_000_000L, queuedMs > 0 ? Math.max(1, a) : a);
            gate.release(Status.OK);
        }
    }
}
