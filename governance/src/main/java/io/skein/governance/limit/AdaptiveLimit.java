package io.skein.governance.limit;

import static java.util.Objects.requireNonNull;

/**
 * An adaptive concurrency limit's algorithm: once per window it receives what the calls that ended in
 * that window showed and answers the new limit. Not thread-safe: its owner (a limiter actor) is the
 * only caller.
 */
public interface AdaptiveLimit {

    /**
     * What one window showed.
     *
     * @param samples            calls that ended (cancelled calls are not counted)
     * @param averageLatencyNanos their average latency from admission to end
     * @param maxInFlight        the most calls in flight at once during the window
     * @param drops              calls that ended in DEADLINE_EXCEEDED or RESOURCE_EXHAUSTED
     */
    record Window(long samples, long averageLatencyNanos, int maxInFlight, long drops) {
    }

    /** The current limit. */
    int limit();

    /** Takes one window into account; returns the new limit. */
    int update(Window window);

    /** The algorithm {@code settings} name, starting at its initial limit. */
    static AdaptiveLimit of(AdaptiveSettings settings) {
        requireNonNull(settings, "settings");
        return switch (settings.algorithm()) {
            case GRADIENT -> new GradientLimit(settings);
            case AIMD -> new AimdLimit(settings);
        };
    }
}
