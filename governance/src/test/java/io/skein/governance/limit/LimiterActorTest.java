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
        gate.release(0, Status.OK);
        gate.release(0, Status.OK);
        assertEquals(0, gate.stats().inFlight());
        assertEquals(2, gate.stats().peakInFlight());
        testKit.stop(actor);
    }

    @Test
    void anAdaptiveLimitShrinksWhenCallsSlowDownAndGrowsBack() {
        AdaptiveSettings adaptive = AdaptiveSettings.OFF.withEnabled(true).withLimits(40, 2, 200)
                .withWindow(Duration.ofMillis(20), 5);
        Gate gate = new Gate("server", "server limit reached", LimitSettings.UNLIMITED.withAdaptive(adaptive), 40);
        ActorRef<LimiterActor.Command> actor = testKit.spawn(LimiterActor.create(gate));
        assertEquals(40, gate.stats().concurrencyLimit());
        // Fast calls that fill the limit: it grows.
        Await.until(LIMIT, () -> {
            drive(gate, 1);
            return gate.stats().concurrencyLimit() > 60;
        }, () -> "did not grow: " + gate.stats());
        // Calls that take 20x longer: it shrinks.
        int high = gate.stats().concurrencyLimit();
        Await.until(LIMIT, () -> {
            drive(gate, 20);
            return gate.stats().concurrencyLimit() < high / 2;
        }, () -> "did not shrink from " + high + ": " + gate.stats());
        int low = gate.stats().concurrencyLimit();
        Await.until(LIMIT, () -> {
            drive(gate, 1);
            return gate.stats().concurrencyLimit() > low * 2;
        }, () -> "did not grow back from " + low + ": " + gate.stats());
        // And switching adaptive off leaves no concurrency limit.
        TestProbe<Done> done = testKit.createTestProbe();
        actor.tell(new LimiterActor.Update(LimitSettings.UNLIMITED, done.getRef()));
        done.expectMessage(Done.getInstance());
        assertEquals(0, gate.stats().concurrencyLimit());
        testKit.stop(actor);
    }

    /** Fills the gate to its limit and ends every call as if it took {@code latencyMs}. */
    static void drive(Gate gate, long latencyMs) {
        int admitted = 0;
        while (gate.tryAcquire() == null) {
            gate.commit();
            admitted++;
            assertTrue(admitted <= 1_000, "the gate never refused");
        }
        long start = System.nanoTime() - latencyMs * 1_000_000L;
        for (int i = 0; i < admitted; i++) {
            gate.release(start, Status.OK);
        }
    }
}
