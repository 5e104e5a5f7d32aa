package io.skein.governance.limit;

/**
 * The gradient algorithm of Netflix's concurrency-limits (Gradient2), per window: the short-term
 * latency is the window's average, the long-term latency an exponential average over
 * {@code longWindow} windows. The gradient {@code clamp(tolerance * long / short, 0.5, 1)} is 1 while
 * latency is at its usual level and falls as queueing raises it; the estimate
 * {@code limit * gradient + sqrt(limit)} therefore grows by a queue's worth while latency holds and
 * shrinks (at most by half per window) when it rises. Estimates are smoothed into the limit.
 *
 * <p>Two guards from the original: a window where the limit was not even half used says nothing about
 * the limit and leaves it unchanged (an idle service must not grow its limit forever); and when the
 * long-term latency is more than twice the short one (load dropped after a slow period) it decays
 * quickly so the limit can recover.
 */
final class GradientLimit implements AdaptiveLimit {

    private final AdaptiveSettings settings;
    private double limit;
    private double longRtt = -1;

    GradientLimit(AdaptiveSettings settings) {
        this.settings = settings;
        this.limit = settings.initialLimit();
    }

    @Override
    public int limit() {
        return (int) limit;
    }

    @Override
    public int update(Window window) {
        if (window.samples() < settings.minSamples() || window.averageLatencyNanos() <= 0) {
            return limit();
        }
        double shortRtt = window.averageLatencyNanos();
        if (longRtt < 0) {
            longRtt = shortRtt;
        } else {
            longRtt += (shortRtt - longRtt) / settings.longWindow();
        }
        if (longRtt / shortRtt > 2) {
            longRtt *= 0.95;
        }
        if (window.maxInFlight() < limit / 2) {
            return limit();
        }
        double gradient = Math.max(0.5, Math.min(1.0, settings.tolerance() * longRtt / shortRtt));
        double estimate = limit * gradient + Math.sqrt(limit);
        double next = limit * (1 - settings.smoothing()) + estimate * settings.smoothing();
        limit = Math.max(settings.minLimit(), Math.min(settings.maxLimit(), next));
        return limit();
    }

    @Override
    public String toString() {
        return "gradient{limit=" + limit() + ", longRtt=" + (long) longRtt / 1000 + "us}";
    }
}
