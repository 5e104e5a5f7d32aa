package io.skein.governance.breaker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.transport.supervision.ActorOwner;
import io.skein.transport.supervision.FailureInjection;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.testing.Await;
import java.time.Duration;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A breaker whose actor throws resumes from its published state and keeps its state machine going. */
class BreakerSupervisionTest {

    private static final ActorTestKit testKit = ActorTestKit.create("BreakerSupervisionTest");
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final ActorOwner owner = ActorOwner.create(testKit.system(), "breakers");

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    /** Opens on one failure, cools for {@code cooling}, closes after two good probes. */
    private static BreakerSettings oneFailureOpens(Duration cooling) {
        return new BreakerSettings(true, 0, 200, 1, 0, Duration.ofSeconds(10), 10, cooling, 2,
                Set.of(StatusCode.UNAVAILABLE));
    }

    /** Makes the breaker's actor throw; returns without waiting for the restart. */
    private static void crash(CircuitBreaker b) {
        ActorRef<BreakerActor.Command> ref = Await.result(b.actor().ref(), LIMIT);
        Await.until(LIMIT, () -> b.actorStarts > 0, () -> "actor of " + b.name() + " started");
        FailureInjection.inject(ref, "test");
    }

    /** Makes the breaker's actor throw and waits until a new instance has resumed. */
    private static void crashAndAwaitRestart(CircuitBreaker b) {
        crash(b);
        Await.until(LIMIT, () -> b.actorStarts > 1, () -> "actor of " + b.name() + " restarted");
    }

    @Test
    void anOpenBreakerWhoseActorThrowsStillCoolsHalfOpensAndCloses() {
        CircuitBreaker b = CircuitBreaker.create(owner, "open-crash", oneFailureOpens(Duration.ofMillis(300)));
        b.record(b.acquire(), StatusCode.UNAVAILABLE);
        Await.until(LIMIT, () -> b.state() == BreakerState.OPEN, () -> "open");

        crash(b);
        assertThrows(StatusException.class, b::acquire, "the call path still fails fast while the actor restarts");
        Await.until(LIMIT, () -> b.actorStarts > 1, () -> "restarted");
        assertEquals(BreakerState.OPEN, b.state(), "resumed open, not closed by the crash");

        Await.until(LIMIT, () -> b.state() == BreakerState.HALF_OPEN, () -> "half-open after the cooling time");
        b.record(b.acquire(), StatusCode.OK);
        b.record(b.acquire(), StatusCode.OK);
        Await.until(LIMIT, () -> b.state() == BreakerState.CLOSED, () -> "closed after two good probes");
        assertSame(CircuitBreaker.Permit.PASS, b.acquire());
        assertEquals(3, b.stats().transitions(), "open, half-open, closed: the restart is not a transition");
        b.close();
    }

    @Test
    void aHalfOpenBreakerWhoseActorThrowsStartsAFreshProbePeriodAndCloses() {
        CircuitBreaker b = CircuitBreaker.create(owner, "half-open-crash", oneFailureOpens(Duration.ofMillis(50)));
        b.record(b.acquire(), StatusCode.UNAVAILABLE);
        Await.until(LIMIT, () -> b.state() == BreakerState.HALF_OPEN, () -> "half-open");
        CircuitBreaker.Permit stale = b.acquire();
        CircuitBreaker.Permit alsoStale = b.acquire();
        assertThrows(StatusException.class, b::acquire, "both probes out");

        crash(b);
        Await.until(LIMIT, b::admits, () -> "probe permits handed out again by the restarted actor");
        assertEquals(BreakerState.HALF_OPEN, b.state());
        b.record(stale, StatusCode.UNAVAILABLE); // a probe of the crashed period: ignored
        CircuitBreaker.Permit p1 = b.acquire();
        CircuitBreaker.Permit p2 = b.acquire();
        b.record(alsoStale, StatusCode.OK);
        b.record(p1, StatusCode.OK);
        b.record(p2, StatusCode.OK);
        Await.until(LIMIT, () -> b.state() == BreakerState.CLOSED, () -> "closed by the new period's probes");
        b.close();
    }

    @Test
    void aClosedBreakerWhoseTripReportWasLostInACrashStillOpens() {
        CircuitBreaker b = CircuitBreaker.create(owner, "lost-report", new BreakerSettings(true, 0, 200, 3, 0,
                Duration.ofSeconds(10), 10, Duration.ofMinutes(1), 2, Set.of(StatusCode.UNAVAILABLE)));
        b.record(b.acquire(), StatusCode.UNAVAILABLE);
        b.record(b.acquire(), StatusCode.UNAVAILABLE);
        // As if the third failure had reported the crossing and the actor had thrown handling it.
        b.tripRequested.set(true);
        crashAndAwaitRestart(b);
        b.record(b.acquire(), StatusCode.UNAVAILABLE);
        Await.until(LIMIT, () -> b.state() == BreakerState.OPEN, () -> "opened although a report was lost");
        b.close();
    }

    @Test
    void settingsWhoseUpdateWasLostInACrashAreAppliedByTheRestartedActor() {
        BreakerSettings first = oneFailureOpens(Duration.ofMinutes(1));
        CircuitBreaker b = CircuitBreaker.create(owner, "lost-update", first);
        Await.result(b.actor().ref(), LIMIT);
        BreakerSettings wanted = first.withCooling(Duration.ofMillis(20));
        b.requested = wanted; // as if update(wanted) had been sent and its handling had thrown
        crash(b);
        Await.until(LIMIT, () -> b.settings().equals(wanted), () -> "the requested settings in force");
        b.record(b.acquire(), StatusCode.UNAVAILABLE);
        Await.until(LIMIT, () -> b.state() == BreakerState.HALF_OPEN, () -> "cooling with the new, short time");
        b.close();
    }

    @Test
    void theRestartedActorIsTheSameChildOfTheOwner() {
        CircuitBreaker b = CircuitBreaker.create(owner, "same-ref", oneFailureOpens(Duration.ofMinutes(1)));
        ActorRef<BreakerActor.Command> ref = Await.result(b.actor().ref(), LIMIT);
        crashAndAwaitRestart(b);
        assertSame(ref, Await.result(b.actor().ref(), LIMIT));
        assertEquals(owner.ref().path(), ref.path().parent());
        assertTrue(ref.path().name().startsWith("breaker-same-ref-"), ref.path().name());
        b.close();
        TestProbe<Object> watcher = testKit.createTestProbe();
        watcher.expectTerminated(ref, LIMIT);
        assertEquals(BreakerState.CLOSED, b.stats().state(), "stats still read from the last published state");
    }
}
