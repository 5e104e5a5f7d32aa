package io.skein.governance.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The adaptive algorithms on scripted windows of a modelled node: one service that takes {@code S} of
 * work per call, so a limit of {@code L} calls holds a standing queue of {@code (L - 1) S} when more calls
 * arrive than it serves. They shrink under a standing queue towards where it meets the target, grow back
 * when it is gone, and give up shedding when refused callers come straight back.
 */
class AdaptiveLimitTest {

    private static final long US = 1_000L;
    private static final long WINDOW_NANOS = 100_000_000L;
    private static final long SERVICE_NANOS = 100 * US;          // S = 100 us: 1000 calls per window
    private static final long CAPACITY = WINDOW_NANOS / SERVICE_NANOS;

    private static AdaptiveSettings settings(AdaptiveSettings.Algorithm algorithm) {
        return AdaptiveSettings.OFF.withEnabled(true).withAlgorithm(algorithm).withLimits(1000, 4, 5000)
                .withWindow(Duration.ofMillis(100), 10).withQueueTarget(Duration.ofMillis(2));
    }

    /** A window of an open-loop load of {@code arrivals} calls at {@code limit}: the node serves what it can. */
    private static AdaptiveLimit.Window openLoop(int limit, long arrivals) {
        long started = Math.min(arrivals, CAPACITY);
        boolean overloaded = arrivals > CAPACITY;
        long minQueue = overloaded ? (limit - 1) * SERVICE_NANOS : 0;
        return new AdaptiveLimit.Window(WINDOW_NANOS, arrivals, overloaded ? arrivals - started : 0, started,
                minQueue, minQueue, overloaded ? limit - 1 : 0, 0,
                overloaded ? limit : (int) Math.max(1, arrivals / CAPACITY));
    }

    /**
     * A window of a closed loop of {@code clients} callers without back-off: when the limit is below them,
     * the refused ones send again at once, {@code spin} refusals per refused caller and window.
     */
    private static AdaptiveLimit.Window closedLoop(int limit, int clients, long spin) {
        int admitted = Math.min(limit, clients);
        long refused = (long) (clients - admitted) * spin;
        long minQueue = (admitted - 1) * SERVICE_NANOS;
        return new AdaptiveLimit.Window(WINDOW_NANOS, CAPACITY + refused, refused, CAPACITY, minQueue, minQueue,
                admitted - 1, 0, admitted);
    }

    /**
     * The windows of a churn test that confirms it, from {@code window}: the first is not judged (calls still
     * on their way), the second shows the node keeping up.
     */
    private static void verify(AdaptiveLimit limit, java.util.function.Supplier<AdaptiveLimit.Window> window) {
        for (int i = 0; i < 2; i++) {
            limit.update(window.get());
        }
    }

    /** The windows of a churn test that refutes it: one not judged, then two where arrivals outrun the node. */
    private static void refute(AdaptiveLimit limit, java.util.function.Supplier<AdaptiveLimit.Window> window) {
        for (int i = 0; i < 3; i++) {
            limit.update(window.get());
        }
    }

    private static int openLoop(AdaptiveLimit limit, int windows, long arrivals) {
        for (int i = 0; i < windows; i++) {
            limit.update(openLoop(limit.limit(), arrivals));
        }
        return limit.limit();
    }

    @Test
    void gradientShrinksAStandingQueueToAboutTheTargetAndGrowsBackWhenTheOverloadEnds() {
        AdaptiveLimit limit = AdaptiveLimit.of(settings(AdaptiveSettings.Algorithm.GRADIENT));
        assertEquals(1000, openLoop(limit, 5, CAPACITY / 2), "half the capacity: no queue, nothing to change");
        int settled = openLoop(limit, 40, 10 * CAPACITY);
        // A standing queue of (L - 1) * 100 us meets the 2 ms target at L = 21.
        assertTrue(settled >= 15 && settled <= 30, "settles near the target: " + settled);
        // A window where calls started at once and the limit still turned some away: room to grow.
        limit.update(new AdaptiveLimit.Window(WINDOW_NANOS, 2000, 100, 1900, 0, 10 * US, 0, 0, settled));
        assertTrue(limit.limit() > settled, "no queue and refusals: it grows: " + limit.limit());
        // After the overload, windows with neither queue nor refusals take it back to its initial limit.
        assertEquals(1000, openLoop(limit, 20, CAPACITY / 2), "back to the prior once the overload is over");
    }

    @Test
    void aimdBacksOffOnAStandingQueueAndAddsWhileItTurnsCallsAwayWithoutOne() {
        AdaptiveLimit limit = AdaptiveLimit.of(settings(AdaptiveSettings.Algorithm.AIMD));
        int settled = openLoop(limit, 100, 10 * CAPACITY);
        assertTrue(settled >= 15 && settled <= 30, "saws around the target: " + settled);
        int before = limit.limit();
        limit.update(new AdaptiveLimit.Window(WINDOW_NANOS, 2000, 100, 1900, 0, 10 * US, 0, 0, before));
        assertEquals(before + 1, limit.limit(), "+1 per window that refused without a standing queue");
        limit.update(new AdaptiveLimit.Window(WINDOW_NANOS, 2000, 100, 1900, 3 * 1_000_000L, 4 * 1_000_000L, 5, 0,
                before + 1));
        assertEquals((int) Math.floor((before + 1) * 0.9), limit.limit(), "x0.9 per window with one");
    }

    @Test
    void callsThatEndWhileStillWaitingShrinkTheLimit() {
        for (AdaptiveSettings.Algorithm a : AdaptiveSettings.Algorithm.values()) {
            AdaptiveLimit limit = AdaptiveLimit.of(settings(a).withLimits(100, 4, 5000));
            // Hardly any delay among the calls that started, but a tenth of them expired in the queue.
            limit.update(new AdaptiveLimit.Window(WINDOW_NANOS, 1000, 0, 900, 10 * US, 50 * US, 0, 100, 100));
            assertTrue(limit.limit() < 100, a + ": " + limit.limit());
        }
    }

    @Test
    void windowsThatSayNothingChangeNothing() {
        for (AdaptiveSettings.Algorithm a : AdaptiveSettings.Algorithm.values()) {
            AdaptiveLimit limit = AdaptiveLimit.of(settings(a).withLimits(100, 4, 5000));
            // Too few calls, however long they waited; and a limit nobody reached, whatever the delay.
            assertEquals(100, limit.update(new AdaptiveLimit.Window(WINDOW_NANOS, 5, 0, 5, 500 * 1_000_000L,
                    500 * 1_000_000L, 4, 0, 5)));
            assertEquals(100, limit.update(new AdaptiveLimit.Window(WINDOW_NANOS, 1000, 0, 1000, 0, 0, 0, 0, 20)));
        }
    }

    @Test
    void theLimitStaysWithinItsBounds() {
        for (AdaptiveSettings.Algorithm a : AdaptiveSettings.Algorithm.values()) {
            AdaptiveLimit limit = AdaptiveLimit.of(settings(a).withLimits(50, 10, 60));
            for (int i = 0; i < 100; i++) {
                limit.update(new AdaptiveLimit.Window(WINDOW_NANOS, 5000, 4000, 1000, 0, 0, 0, 0, limit.limit()));
            }
            assertEquals(60, limit.limit(), a + ": capped by max-limit");
            for (int i = 0; i < 100; i++) {
                limit.update(new AdaptiveLimit.Window(WINDOW_NANOS, 1000, 0, 1000, 1_000_000_000L, 1_000_000_000L,
                        limit.limit() - 1, 0, limit.limit()));
            }
            assertEquals(10, limit.limit(), a + ": floored by min-limit");
        }
    }

    @Test
    void whenRefusedCallersComeStraightBackTheLimitOpensAndHolds() {
        for (AdaptiveSettings.Algorithm a : AdaptiveSettings.Algorithm.values()) {
            AdaptiveLimit limit = AdaptiveLimit.of(settings(a));
            // 1000 callers in a closed loop: the limit (1000) admits all of them, a long queue stands.
            limit.update(closedLoop(limit.limit(), 1000, 0));
            int shrunk = limit.limit();
            assertTrue(shrunk < 1000, a + ": the standing queue shrinks it: " + shrunk);
            // The refused callers send again at once: arrivals jump far above what they were. The limit opens
            // to test that, and with everybody let in, arrivals fall back: churn.
            assertTrue(limit.update(closedLoop(shrunk, 1000, 50)) >= 1000, a + ": opens to test for churn");
            verify(limit, () -> closedLoop(limit.limit(), 1000, 50));
            assertEquals(2000, limit.limit(), a + ": holds at twice the calls that were in flight");
            // And it holds there for churn.hold (10 s = 100 windows) though the queue still stands.
            for (int i = 0; i < 99; i++) {
                assertEquals(2000, limit.update(closedLoop(limit.limit(), 1000, 50)), a + ": holding, window " + i);
            }
            assertTrue(limit.update(closedLoop(limit.limit(), 1000, 50)) < 2000, a + ": after the hold it tries again");
        }
    }

    @Test
    void callersThatChurnAgainstALimitAlreadyLowAreFoundByTheirRefusalsPerCallStarted() {
        for (AdaptiveSettings.Algorithm a : AdaptiveSettings.Algorithm.values()) {
            AdaptiveLimit limit = AdaptiveLimit.of(settings(a).withLimits(20, 4, 5000));
            // 1000 callers meet a limit of 20: 98 refusals per call served, every window.
            assertEquals(5000, limit.update(closedLoop(limit.limit(), 1000, 100)), a + ": opens to test for churn");
            verify(limit, () -> closedLoop(limit.limit(), 1000, 100));
            assertEquals(2000, limit.limit(), a + ": every caller let in, arrivals fell: it holds");
        }
    }

    @Test
    void anOverloadWhoseArrivalsDoNotFallWhenCallersAreLetInIsShedAgain() {
        for (AdaptiveSettings.Algorithm a : AdaptiveSettings.Algorithm.values()) {
            AdaptiveLimit limit = AdaptiveLimit.of(settings(a));
            int settled = openLoop(limit, 60, 10 * CAPACITY);
            // Sixty times the capacity: 59 refusals per call served looks like churn at first.
            assertEquals(5000, limit.update(openLoop(limit.limit(), 60 * CAPACITY)), a + ": tests for churn");
            refute(limit, () -> openLoop(limit.limit(), 60 * CAPACITY)); // sixty arrive per call started
            assertTrue(limit.limit() <= settled + 1, a + ": arrivals did not fall: back to shedding: " + limit.limit());
            assertTrue(openLoop(limit, 50, 60 * CAPACITY) <= 30, a + ": and no new test for churn.hold");
        }
    }

    @Test
    void anOpenLoopOverloadIsNotChurnAndALoadStillRampingUpIsNotEither() {
        for (AdaptiveSettings.Algorithm a : AdaptiveSettings.Algorithm.values()) {
            AdaptiveLimit limit = AdaptiveLimit.of(settings(a));
            // A load ramping up over a few windows, then ten times the capacity whatever is refused.
            for (long arrivals : new long[] {CAPACITY / 10, CAPACITY, 5 * CAPACITY}) {
                limit.update(openLoop(limit.limit(), arrivals));
            }
            int settled = openLoop(limit, 200, 10 * CAPACITY);
            assertTrue(settled <= 30, a + ": shedding held, arrivals never jumped: " + settled);
        }
    }

    @Test
    void aSurgeOfNewLoadThatMeetsAShrinkIsToldFromChurnAndShedAgain() {
        for (AdaptiveSettings.Algorithm a : AdaptiveSettings.Algorithm.values()) {
            AdaptiveLimit limit = AdaptiveLimit.of(settings(a));
            openLoop(limit, 5, CAPACITY / 2);
            // Twice the capacity makes a queue stand and the limit shrink; then the load jumps to ten times.
            limit.update(openLoop(limit.limit(), 2 * CAPACITY));
            int shrunk = limit.limit();
            assertTrue(limit.update(openLoop(limit.limit(), 10 * CAPACITY)) > shrunk, a + ": looks like churn at first");
            refute(limit, () -> openLoop(limit.limit(), 10 * CAPACITY)); // ten arrive per call started
            assertEquals(shrunk, limit.limit(), a + ": arrivals did not fall with callers let in: new load");
            int settled = openLoop(limit, 60, 10 * CAPACITY);
            assertTrue(settled <= 30, a + ": shed again: " + settled);
        }
    }

    @Test
    void callsThatWaitWithNobodyAheadOfThemAreNoQueueTheLimitCouldShorten() {
        for (AdaptiveSettings.Algorithm a : AdaptiveSettings.Algorithm.values()) {
            AdaptiveLimit limit = AdaptiveLimit.of(settings(a).withLimits(100, 4, 5000));
            // Every call waited 50 ms, but some found the queue empty: the service waited for a CPU it did not
            // get (a pause, a noisy neighbour), not behind other calls.
            for (int i = 0; i < 20; i++) {
                limit.update(new AdaptiveLimit.Window(WINDOW_NANOS, 500, 0, 500, 50 * 1_000_000L, 60 * 1_000_000L, 0,
                        0, 30));
            }
            assertEquals(100, limit.limit(), a.toString());
        }
    }
}
