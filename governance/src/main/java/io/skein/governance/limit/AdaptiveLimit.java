package io.skein.governance.limit;

import static java.util.Objects.requireNonNull;

/**
 * An adaptive concurrency limit's algorithm: once per window it receives what the window showed of the
 * calls the limit let in and turned away, and answers the new limit. Not thread-safe: its owner (a
 * limiter actor) is the only caller.
 */
public interface AdaptiveLimit {

    /**
     * What one window showed.
     *
     * @param elapsedNanos      how long the window lasted
     * @param arrivals          calls that asked the limit to let them in
     * @param refused           calls it turned away (concurrency or rate)
     * @param started           admitted calls whose service started them in the window
     * @param minQueueNanos     the least any of those had waited in the node since admission (0 when none)
     * @param averageQueueNanos what they waited on average (0 when none)
     * @param minAhead          the fewest calls any of them found waiting ahead of it when admitted (0 when
     *                          none started): 0 means some call found the queue empty
     * @param endedWaiting      admitted calls that ended before their service started them (cancelled,
     *                          expired or their connection lost while they waited)
     * @param maxInFlight       the most calls in flight at once during the window
     */
    record Window(long elapsedNanos, long arrivals, long refused, long started, long minQueueNanos,
                  long averageQueueNanos, int minAhead, long endedWaiting, int maxInFlight) {

        /** Calls per second that asked to be let in. */
        public double arrivalRate() {
            return elapsedNanos <= 0 ? 0 : arrivals * 1e9 / elapsedNanos;
        }
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
