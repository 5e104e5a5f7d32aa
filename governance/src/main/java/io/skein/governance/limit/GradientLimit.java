package io.skein.governance.limit;

/**
 * The gradient algorithm on the queueing delay: per window the limit is multiplied by
 * {@code (target / least delay)^smoothing}, the ratio kept within [0.5, 2] first. A standing queue of
 * twice the target shrinks it, the more the longer the queue (a limit of L calls of service time S holds
 * a standing queue of about (L - 1) S, so the step lands near target / S + 1 in a few windows); a delay
 * far under the target grows it, but only while the limit turned calls away (an unused limit says nothing
 * about what the service can take). Windows in which more than 1 % of the calls ended still waiting
 * count as a standing queue of twice the target; a window without a standing queue (see
 * {@link QueueDelayLimit}) never shrinks it. See {@link QueueDelayLimit} for what both algorithms share.
 */
final class GradientLimit extends QueueDelayLimit {

    GradientLimit(AdaptiveSettings settings) {
        super(settings);
    }

    @Override
    double next(Window w, boolean standing, boolean binding) {
        double ratio;
        if (w.started() == 0 || expired(w)) {
            ratio = 0.5;
        } else {
            ratio = targetNanos / (double) Math.max(1, w.minQueueNanos());
        }
        if (standing) {
            ratio = Math.max(0.5, Math.min(1.0, ratio));
        } else {
            // No standing queue: grow while calls were turned away, by up to twice; never shrink.
            ratio = binding ? Math.max(1.0, Math.min(2.0, ratio)) : 1.0;
        }
        return limit * Math.pow(ratio, settings.smoothing());
    }

    @Override
    public String toString() {
        return "gradient{limit=" + limit() + '}';
    }
}
