package io.skein.governance.limit;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Locale;

/**
 * Settings of an adaptive concurrency limit ({@code adaptive { ... }} in a limits block): a limit that
 * an algorithm moves with the latency it observes, between {@code minLimit} and {@code maxLimit}.
 *
 * @param enabled          whether the scope has an adaptive limit at all
 * @param algorithm        {@link Algorithm#GRADIENT} or {@link Algorithm#AIMD}
 * @param initialLimit     the limit before any observation
 * @param minLimit         the limit never goes below this
 * @param maxLimit         nor above this
 * @param window           how often the limit is recomputed from the calls that ended meanwhile
 * @param minSamples       windows with fewer ended calls leave the limit as it is
 * @param tolerance        gradient: how much the short-term latency may exceed the long-term one before
 *                         the limit shrinks (1.5 = 50 % more)
 * @param smoothing        gradient: weight of a new estimate against the current limit (0..1]
 * @param longWindow       gradient: windows over which the long-term latency is averaged
 * @param latencyThreshold AIMD: a window whose average latency exceeds this shrinks the limit
 * @param backoffRatio     AIMD: the factor a shrink multiplies the limit by (0..1)
 */
public record AdaptiveSettings(boolean enabled, Algorithm algorithm, int initialLimit, int minLimit, int maxLimit,
                               Duration window, int minSamples, double tolerance, double smoothing, int longWindow,
                               Duration latencyThreshold, double backoffRatio) {

    /** How an adaptive limit moves. */
    public enum Algorithm {
        /**
         * Netflix's gradient: the limit follows {@code limit * min(1, tolerance * longRtt / shortRtt) +
         * sqrt(limit)}; it shrinks as queueing raises latency above its long-term level and grows while
         * latency stays there. Needs no latency target.
         */
        GRADIENT,
        /** Additive increase, multiplicative decrease against a fixed latency threshold (and timeouts). */
        AIMD
    }

    /** The defaults of {@code reference.conf}, disabled. */
    public static final AdaptiveSettings OFF = new AdaptiveSettings(false, Algorithm.GRADIENT, 20, 4, 1000,
            Duration.ofMillis(100), 10, 1.5, 0.2, 100, Duration.ofMillis(100), 0.9);

    public AdaptiveSettings {
        requireNonNull(algorithm, "algorithm");
        requireNonNull(window, "window");
        requireNonNull(latencyThreshold, "latencyThreshold");
        if (minLimit < 1 || maxLimit < minLimit || initialLimit < minLimit || initialLimit > maxLimit) {
            throw new IllegalArgumentException("adaptive limits need 1 <= min-limit <= initial-limit <= max-limit, got "
                    + minLimit + " / " + initialLimit + " / " + maxLimit);
        }
        if (window.toMillis() < 1) {
            throw new IllegalArgumentException("adaptive window must be at least 1 ms: " + window);
        }
        if (minSamples < 1 || longWindow < 1) {
            throw new IllegalArgumentException("adaptive min-samples and long-window must be at least 1");
        }
        if (!(tolerance >= 1.0) || !(smoothing > 0 && smoothing <= 1) || !(backoffRatio > 0 && backoffRatio < 1)) {
            throw new IllegalArgumentException("adaptive tolerance >= 1, 0 < smoothing <= 1, 0 < backoff-ratio < 1");
        }
    }

    /** Reads an {@code adaptive { ... }} block; every key is required (reference.conf supplies them). */
    public static AdaptiveSettings fromConfig(Config c) {
        requireNonNull(c, "c");
        return new AdaptiveSettings(c.getBoolean("enabled"),
                Algorithm.valueOf(c.getString("algorithm").toUpperCase(Locale.ROOT)),
                c.getInt("initial-limit"), c.getInt("min-limit"), c.getInt("max-limit"), c.getDuration("window"),
                c.getInt("min-samples"), c.getDouble("gradient.tolerance"), c.getDouble("gradient.smoothing"),
                c.getInt("gradient.long-window"), c.getDuration("aimd.latency-threshold"),
                c.getDouble("aimd.backoff-ratio"));
    }

    /** A copy switched on or off. */
    public AdaptiveSettings withEnabled(boolean on) {
        return new AdaptiveSettings(on, algorithm, initialLimit, minLimit, maxLimit, window, minSamples, tolerance,
                smoothing, longWindow, latencyThreshold, backoffRatio);
    }

    /** A copy with another algorithm. */
    public AdaptiveSettings withAlgorithm(Algorithm other) {
        return new AdaptiveSettings(enabled, requireNonNull(other, "other"), initialLimit, minLimit, maxLimit, window,
                minSamples, tolerance, smoothing, longWindow, latencyThreshold, backoffRatio);
    }

    /** A copy with other bounds. */
    public AdaptiveSettings withLimits(int initial, int min, int max) {
        return new AdaptiveSettings(enabled, algorithm, initial, min, max, window, minSamples, tolerance, smoothing,
                longWindow, latencyThreshold, backoffRatio);
    }

    /** A copy with another recompute window and minimum samples per window. */
    public AdaptiveSettings withWindow(Duration newWindow, int newMinSamples) {
        return new AdaptiveSettings(enabled, algorithm, initialLimit, minLimit, maxLimit, newWindow, newMinSamples,
                tolerance, smoothing, longWindow, latencyThreshold, backoffRatio);
    }

    /** A copy with another AIMD latency threshold. */
    public AdaptiveSettings withLatencyThreshold(Duration threshold) {
        return new AdaptiveSettings(enabled, algorithm, initialLimit, minLimit, maxLimit, window, minSamples, tolerance,
                smoothing, longWindow, threshold, backoffRatio);
    }

    @Override
    public String toString() {
        return enabled ? algorithm.name().toLowerCase(Locale.ROOT) + "[" + minLimit + ".." + maxLimit + ", start "
                + initialLimit + ", window " + window.toMillis() + "ms]" : "off";
    }
}
