package io.skein.governance.breaker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.transport.supervision.ActorOwner;
import io.skein.testing.Await;
import java.time.Duration;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final ActorOwner owner = ActorOwner.create(testKit.system(), "breakers");

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static BreakerSettings settings(double rate, int minSamples, int consecutive, int errorCount, Duration cooling) {
        return new BreakerSettings(true, rate, minSamples, consecutive, errorCount, Duration.ofSeconds(10), 10, cooling,
                2, Set.of(StatusCode.UNAVAILABLE, StatusCode.DEADLINE_EXCEEDED));
    }

    private static void fail(CircuitBreaker b, int n) {
        for (int i = 0; i < n; i++) {
            b.record(b.acquire(), StatusCode.UNAVAILABLE);
        }
    }

    @Test
    void consecutiveFailuresOpenItFailsFastThenHalfOpenProbesCloseIt() {
        CircuitBreaker b = CircuitBreaker.create(owner, "caller->test.Svc/Say",
                settings(0, 200, 3, 0, Duration.ofMinutes(1)));
        fail(b, 2);
        b.record(b.acquire(), StatusCode.OK); // a success breaks the run
        fail(b, 2);
        assertEquals(BreakerState.CLOSED, b.state());
        fail(b, 1);
        Await.until(LIMIT, () -> b.state() == BreakerState.OPEN, () -> "open after 3 in a row");

        StatusException e = assertThrows(StatusException.class, b::acquire);
        assertEquals(StatusCode.UNAVAILABLE, e.code());
        assertTrue(e.getMessage().contains("caller->test.Svc/Say") && e.getMessage().contains("3 consecutive"),
                e.getMessage());
        assertEquals(1, b.stats().rejected());

        b.update(b.settings().withCooling(Duration.ofMillis(50))); // run-time change: cooling counts from opening
        Await.until(LIMIT, () -> b.state() == BreakerState.HALF_OPEN, () -> "half-open after cooling");
        CircuitBreaker.Permit p1 = b.acquire();
        CircuitBreaker.Permit p2 = b.acquire();
        assertThrows(StatusException.class, b::acquire, "only half-open-successes probes at a time");
        b.record(p1, StatusCode.OK);
        b.record(p2, StatusCode.OK);
        Await.until(LIMIT, () -> b.state() == BreakerState.CLOSED, () -> "closed after 2 good probes");
        assertSame(CircuitBreaker.Permit.PASS, b.acquire());
        assertEquals(0, b.stats().failures(), "a closed breaker starts a fresh window");
        assertEquals(3, b.stats().transitions());
        b.close();
    }

    @Test
    void aFailedProbeReopensAndAnAbandonedProbeIsGivenBack() {
        CircuitBreaker b = CircuitBreaker.create(owner, "probe", settings(0, 200, 1, 0, Duration.ofMillis(50)));
        fail(b, 1);
        Await.until(LIMIT, () -> b.state() == BreakerState.HALF_OPEN);
        CircuitBreaker.Permit abandoned = b.acquire();
        b.acquire();
        b.record(abandoned, StatusCode.CANCELLED);
        Await.until(LIMIT, b::admits, () -> "the cancelled probe's permit came back");
        CircuitBreaker.Permit p = b.acquire();
        b.record(p, StatusCode.UNAVAILABLE);
        Await.until(LIMIT, () -> b.state() == BreakerState.OPEN, () -> "reopened by a failed probe");
        assertTrue(b.stats().reason().contains("probe failed"), b.stats().reason());
        b.close();
    }

    @Test
    void errorRateNeedsMinSamplesAndNonFailureCodesCountAsSuccess() {
        CircuitBreaker b = CircuitBreaker.create(owner, "rate", settings(0.5, 10, 0, 0, Duration.ofMinutes(1)));
        for (int i = 0; i < 5; i++) {
            b.record(b.acquire(), StatusCode.INVALID_ARGUMENT); // the caller's fault: not a failure
        }
        b.record(b.acquire(), StatusCode.CANCELLED); // not counted at all
        fail(b, 4);
        BreakerStats s = b.stats();
        assertEquals(5, s.successes());
        assertEquals(4, s.failures());
        assertEquals(BreakerState.CLOSED, b.state(), "9 samples < min-samples 10");
        fail(b, 1); // 10 samples, 50 %
        Await.until(LIMIT, () -> b.state() == BreakerState.OPEN);
        assertTrue(b.stats().reason().startsWith("error rate 50%"), b.stats().reason());
        b.close();
    }

    @Test
    void errorCountTripsAndDisablingClosesIt() {
        CircuitBreaker b = CircuitBreaker.create(owner, "count", settings(0, 200, 0, 3, Duration.ofMinutes(1)));
        for (int i = 0; i < 20; i++) {
            b.record(b.acquire(), StatusCode.OK);
        }
        fail(b, 3);
        Await.until(LIMIT, () -> b.state() == BreakerState.OPEN);
        b.update(b.settings().withEnabled(false));
        Await.until(LIMIT, () -> b.state() == BreakerState.CLOSED);
        assertSame(CircuitBreaker.Permit.PASS, b.acquire());
        b.close();
    }

    @Test
    void probesThatNeverReportAreHandedOutAgainAfterAWindow() {
        CircuitBreaker b = CircuitBreaker.create(owner, "stuck", new BreakerSettings(true, 0, 200, 1, 0,
                Duration.ofMillis(100), 10, Duration.ofMillis(50), 2, Set.of(StatusCode.UNAVAILABLE)));
        fail(b, 1);
        Await.until(LIMIT, () -> b.state() == BreakerState.HALF_OPEN);
        b.acquire();
        b.acquire(); // two probes that hang forever
        assertThrows(StatusException.class, b::acquire);
        Await.until(LIMIT, b::admits, () -> "permits handed out again");
        b.record(b.acquire(), StatusCode.OK);
        b.record(b.acquire(), StatusCode.OK);
        Await.until(LIMIT, () -> b.state() == BreakerState.CLOSED);
        b.close();
    }
}
