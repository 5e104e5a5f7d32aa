package io.skein.governance.breaker;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.governance.internal.ConfigValues;
import io.skein.protocols.StatusCode;
import java.time.Duration;
import java.util.Set;

/**
 * How a circuit breaker trips and recovers. A breaker opens when any enabled condition holds over
 * its window: the error rate reaches {@code errorRate} with at least {@code minSamples} calls, or
 * {@code consecutiveFailures} calls failed in a row, or {@code errorCount} calls failed in the window.
 * Open, it fails calls fast for {@code cooling}; then half-open it lets {@code halfOpenSuccesses}
 * probes through and closes when they all succeed, reopening on the first probe that fails.
 *
 * @param enabled             whether the breaker acts at all
 * @param errorRate           failure share that trips it, in (0, 1]; 0 turns the rate condition off
 * @param minSamples          calls the window must hold before the rate counts (Kitex: 200)
 * @param consecutiveFailures failures in a row that trip it; 0 = off
 * @param errorCount          failures in the window that trip it; 0 = off
 * @param window              the statistics window (Kitex: 10 s)
 * @param buckets             buckets the window is split into (Kitex: 100)
 * @param cooling             how long it stays open before probing (Kitex: 5 s)
 * @param halfOpenSuccesses   successful probes that close it (Kitex: 2)
 * @param failureCodes        statuses that count as failures; every other outcome counts as a
 *                            success except {@code CANCELLED} (the caller's choice), which is not counted
 */
public record BreakerSettings(boolean enabled, double errorRate, int minSamples, int consecutiveFailures,
        int errorCount, Duration window, int buckets, Duration cooling, int halfOpenSuccesses,
        Set<StatusCode> failureCodes) {

    public BreakerSettings {
        requireNonNull(window, "window");
        requireNonNull(cooling, "cooling");
        failureCodes = Set.copyOf(requireNonNull(failureCodes, "failureCodes"));
        if (errorRate < 0 || errorRate > 1) {
            throw new IllegalArgumentException("error rate must be in [0, 1]: " + errorRate);
        }
        if (minSamples < 1 || consecutiveFailures < 0 || errorCount < 0 || buckets < 1 || halfOpenSuccesses < 1) {
            throw new IllegalArgumentException("invalid breaker settings: " + minSamples + "/" + consecutiveFailures
                    + "/" + errorCount + "/" + buckets + "/" + halfOpenSuccesses);
        }
        if (window.isNegative() || window.isZero() || cooling.isNegative() || cooling.isZero()) {
            throw new IllegalArgumentException("window and cooling must be positive");
        }
    }

    /**
     * Reads a {@code circuit-breaker { }} / {@code instance-breaker { }} block (keys as in
     * {@code reference.conf}: enabled, error-rate, min-samples, consecutive-failures, error-count,
     * window, buckets, cooling, half-open-successes, failure-codes).
     */
    public static BreakerSettings fromConfig(Config c) {
        requireNonNull(c, "config");
        return new BreakerSettings(
                c.getBoolean("enabled"),
                ConfigValues.doubleIn(c, "error-rate", 0, 1),
                ConfigValues.intIn(c, "min-samples", 1, Integer.MAX_VALUE),
                ConfigValues.intIn(c, "consecutive-failures", 0, Integer.MAX_VALUE),
                ConfigValues.intIn(c, "error-count", 0, Integer.MAX_VALUE),
                ConfigValues.positive(c.getDuration("window"), "window"),
                ConfigValues.intIn(c, "buckets", 1, 10_000),
                ConfigValues.positive(c.getDuration("cooling"), "cooling"),
                ConfigValues.intIn(c, "half-open-successes", 1, 1_000),
                ConfigValues.codes(c, "failure-codes"));
    }

    /** The service-level defaults of {@code reference.conf} ({@code skein.client.defaults.circuit-breaker}). */
    public static BreakerSettings serviceDefaults() {
        return fromConfig(ConfigFactory.defaultReference().getConfig("skein.client.defaults.circuit-breaker"));
    }

    /** The instance-level defaults of {@code reference.conf} ({@code skein.client.defaults.instance-breaker}). */
    public static BreakerSettings instanceDefaults() {
        return fromConfig(ConfigFactory.defaultReference().getConfig("skein.client.defaults.instance-breaker"));
    }

    /** A copy with another cooling time. */
    public BreakerSettings withCooling(Duration newCooling) {
        return new BreakerSettings(enabled, errorRate, minSamples, consecutiveFailures, errorCount, window, buckets,
                newCooling, halfOpenSuccesses, failureCodes);
    }

    /** A copy enabled or disabled. */
    public BreakerSettings withEnabled(boolean on) {
        return new BreakerSettings(on, errorRate, minSamples, consecutiveFailures, errorCount, window, buckets,
                cooling, halfOpenSuccesses, failureCodes);
    }

    /** Whether {@code code} counts as a failure. */
    public boolean isFailure(StatusCode code) {
        return failureCodes.contains(code);
    }
}
