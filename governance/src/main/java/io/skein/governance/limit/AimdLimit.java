package io.skein.governance.limit;

/**
 * Additive increase, multiplicative decrease on the queueing delay, per window: a window with a standing
 * queue (even the call that waited least waited longer than the target) or in which more than 1 % of
 * the calls ended still waiting multiplies the limit by the backoff ratio; a window without one in which the limit turned calls
 * away adds {@code increase}. See {@link QueueDelayLimit} for what both algorithms share.
 */
final class AimdLimit extends QueueDelayLimit {

    AimdLimit(AdaptiveSettings settings) {
        super(settings);
    }

    @Override
    double next(Window w, boolean standing, boolean binding) {
        if (standing) {
            return Math.floor(limit * settings.backoffRatio());
        }
        return binding ? limit + settings.increase() : limit;
    }

    @Override
    public String toString() {
        return "aimd{limit=" + limit() + '}';
    }
}
