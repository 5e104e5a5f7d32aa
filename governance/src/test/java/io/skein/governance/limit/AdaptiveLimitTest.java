package io.skein.governance.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The adaptive algorithms on scripted windows: they shrink as latency rises and grow back when it falls. */
class AdaptiveLimitTest {

    private static final long MS = 1_000_000L;

    private static AdaptiveSettings settings(AdaptiveSettings.Algorithm algorithm) {
        return AdaptiveSettings.OFF.withEnabled(true).withAlgorithm(algorithm).withLimits(50, 4, 500)
                .withWindow(Duration.ofMillis(100), 10).withLatencyThreshold(Duration.ofMillis(20));
    }

    /** {@code windows} windows of a fully used limit at {@code latencyMs}; returns the final limit. */
    private static int run(AdaptiveLimit limit, int windows, long latencyMs) {
        for (int i = 0; i < windows; i++) {
            limit.update(new AdaptiveLimit.Window(100, latencyMs * MS, limit.limit(), 0));
        }
        return limit.limit();
    }

    @Test
    void gradientShrinksUnderRisingLatencyAndGrowsBack() {
        AdaptiveLimit limit = AdaptiveLimit.of(settings(AdaptiveSettings.Algorithm.GRADIENT));
        int steady = run(limit, 30, 10);
        assertTrue(steady > 50, "a fully used limit at steady latency grows: " + steady);
        int loaded = run(limit, 30, 40); // queueing: latency x4
        assertTrue(loaded < steady / 2, "rising latency shrinks the limit: " + steady + " -> " + loaded);
        int recovered = run(limit, 30, 10);
        assertTrue(recovered > loaded * 2, "falling latency grows it back: " + loaded + " -> " + recovered);
    }

    @Test
    void gradientIgnoresWindowsThatSayNothing() {
        AdaptiveLimit limit = AdaptiveLimit.of(settings(AdaptiveSettings.Algorithm.GRADIENT));
        run(limit, 5, 10);
        int before = limit.limit();
        // Too few samples, and a limit far from used: no change either way.
        assertEquals(before, limit.update(new AdaptiveLimit.Window(3, 500 * MS, before, 0)));
        assertEquals(before, limit.update(new AdaptiveLimit.Window(100, 10 * MS, before / 4, 0)));
    }

    @Test
    void gradientStaysWithinItsBounds() {
        AdaptiveLimit limit = AdaptiveLimit.of(settings(AdaptiveSettings.Algorithm.GRADIENT));
        assertEquals(500, run(limit, 2_000, 10));
        // A steady latency, however high, becomes the baseline; only a rising one keeps shrinking the limit.
        for (int i = 0; i < 200; i++) {
            limit.update(new AdaptiveLimit.Window(100, (long) (10 * MS * Math.pow(1.1, i)), limit.limit(), 0));
        }
        assertEquals(4, limit.limit());
    }

    @Test
    void aimdBacksOffOnSlowOrDroppedWindowsAndAddsOneOtherwise() {
        AdaptiveLimit limit = AdaptiveLimit.of(settings(AdaptiveSettings.Algorithm.AIMD));
        assertEquals(60, run(limit, 10, 5)); // +1 per used window under the threshold
        int shrunk = run(limit, 5, 50); // above 20 ms: x0.9 per window
        assertEquals((int) (((int) (((int) (((int) (((int) (60 * 0.9)) * 0.9)) * 0.9)) * 0.9)) * 0.9), shrunk);
        int afterDrop = limit.update(new AdaptiveLimit.Window(100, 5 * MS, shrunk, 3));
        assertTrue(afterDrop < shrunk, "timeouts shrink it too");
        assertEquals(afterDrop + 10, run(limit, 10, 5));
    }
}
