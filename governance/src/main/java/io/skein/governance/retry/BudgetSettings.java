package io.skein.governance.retry;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.skein.governance.internal.ConfigValues;
import java.time.Duration;

/**
 * The retry budget (Kitex's retry circuit-break): retries and backup requests of a method stop while
 * the share of its attempts that failed with a retryable status, over {@code window}, is above
 * {@code errorRate} (with at least {@code minSamples} attempts in the window).
 *
 * @param enabled    whether the budget applies
 * @param errorRate  the failure share above which retrying stops (Kitex: 10 %)
 * @param minSamples attempts the window must hold before the rate counts
 * @param window     the statistics window
 * @param buckets    buckets the window is split into
 */
public record BudgetSettings(boolean enabled, double errorRate, int minSamples, Duration window, int buckets) {

    public BudgetSettings {
        requireNonNull(window, "window");
        if (errorRate <= 0 || errorRate > 1 || minSamples < 1 || buckets < 1 || window.isZero() || window.isNegative()) {
            throw new IllegalArgumentException("invalid retry budget " + errorRate + "/" + minSamples + "/" + window
                    + "/" + buckets);
        }
    }

    /** Reads a {@code budget { enabled, error-rate, min-samples, window, buckets }} block. */
    public static BudgetSettings fromConfig(Config c) {
        return new BudgetSettings(c.getBoolean("enabled"), ConfigValues.doubleIn(c, "error-rate", 0.0001, 1),
                ConfigValues.intIn(c, "min-samples", 1, Integer.MAX_VALUE),
                ConfigValues.positive(c.getDuration("window"), "window"), ConfigValues.intIn(c, "buckets", 1, 10_000));
    }
}
