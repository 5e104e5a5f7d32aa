package io.skein.governance.limit;

/**
 * Additive increase, multiplicative decrease, per window: a window whose calls took longer than the
 * latency threshold on average, or in which calls timed out or were refused downstream, multiplies the
 * limit by the backoff ratio; a window that used at least half the limit within the threshold adds one.
 */
final class AimdLimit implements AdaptiveLimit {

    private final AdaptiveSettings settings;
    private int limit;

    AimdLimit(AdaptiveSettings settings) {
        this.settings = settings;
        this.limit = settings.initialLimit();
    }

    @Override
    public int limit() {
        return limit;
    }

    @Override
    public int update(Window window) {
        if (window.samples() < settings.minSamples()) {
            return limit;
        }
        if (window.drops() > 0 || window.averageLatencyNanos() > settings.latencyThreshold().toNanos()) {
            limit = Math.max(settings.minLimit(), (int) (limit * settings.backoffRatio()));
        } else if (window.maxInFlight() >= limit / 2) {
            limit = Math.min(settings.maxLimit(), limit + 1);
        }
        return limit;
    }

    @Override
    public String toString() {
        return "aimd{limit=" + limit + '}';
    }
}
