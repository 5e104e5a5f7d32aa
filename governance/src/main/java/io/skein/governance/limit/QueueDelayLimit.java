package io.skein.governance.limit;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What both adaptive algorithms share: they act on the queueing delay inside the node, and they stop
 * shedding when shedding only churns.
 *
 * <p><b>Standing queue.</b> A window shows a standing queue when even the call that waited least waited
 * longer than the target (CoDel's test: a burst drains within a window, a standing queue does not) and
 * every call found others waiting ahead of it when it was admitted, or when more than 1 % of the calls that
 * left the queue ended still waiting (expired, cancelled). The second condition tells a queue of calls from
 * a service that waits for a CPU it does not get (a pause, a noisy neighbour): there calls wait with nobody
 * ahead of them, and a smaller limit would only cut throughput. A window
 * shows the limit binding when it turned calls away or was full. Windows in which fewer than
 * {@code minSamples} calls started or ended waiting say nothing and change nothing. Subclasses decide the
 * next limit from those facts ({@link #next}).
 *
 * <p><b>Churn guard.</b> Shedding pays off when the calls it turns away go elsewhere or come back later;
 * callers that send again the moment they are refused (a closed loop without back-off) only turn every
 * refusal into another arrival, and the refusals eat the CPU the service needs. So when the limit shrank
 * and, within {@code churnWindows} windows, arrivals rose above {@code churnFactor} times their rate before
 * (the highest of the window that made it shrink, the one before, and an average over calmer windows), the
 * limit goes back to where it was before it began to shrink and does not shrink for {@code churnHold}. The
 * diagnosis is then checked: if two windows later, with the callers let in again, arrivals are still above
 * {@code churnFactor} times their rate before the shrink, they were a surge of new load that happened to
 * meet the shrink (an open-loop load does not change its arrivals when calls are refused), and shedding
 * resumes at once. Churn that recurs as soon as a hold ran out (within
 * {@code churnWindows} + 10 windows) doubles the next hold, up to eight times {@code churnHold}.
 */
abstract class QueueDelayLimit implements AdaptiveLimit {

    private static final Logger log = LoggerFactory.getLogger(QueueDelayLimit.class);
    // Weight of a new window in the average arrival rate the churn guard compares against.
    private static final double RATE_WEIGHT = 0.2;
    private static final int VERIFY_AFTER_WINDOWS = 2;
    private static final int MAX_HOLD_DOUBLINGS = 3;

    final AdaptiveSettings settings;
    final long targetNanos;
    double limit;
    private double arrivalRate = -1;
    private double lastRate;
    private int shrunkFrom;            // the limit before the current run of shrinks; 0 when none
    private double rateBeforeShrink;
    private int windowsSinceShrink = Integer.MAX_VALUE;
    private int holdWindows;
    private int verifyIn;              // windows until a churn diagnosis is checked; 0 when none pending
    private double verifyAgainst;      // the arrival rate before the shrink that churned
    private int holdDoublings;
    private int windowsSinceHold = Integer.MAX_VALUE; // since the last hold ran out (not cancelled)

    QueueDelayLimit(AdaptiveSettings settings) {
        this.settings = settings;
        this.targetNanos = settings.queueTarget().toNanos();
        this.limit = settings.initialLimit();
    }

    @Override
    public final int limit() {
        return (int) limit;
    }

    /** Whether the limit is holding after it saw shedding churn (tests, logs). */
    final boolean holding() {
        return holdWindows > 0;
    }

    @Override
    public final int update(Window w) {
        double rate = w.arrivalRate();
        if (windowsSinceHold != Integer.MAX_VALUE) {
            windowsSinceHold++;
        }
        if (churned(w, rate)) {
            boolean recurring = windowsSinceHold <= settings.churnWindows() + 10;
            holdDoublings = recurring ? Math.min(MAX_HOLD_DOUBLINGS, holdDoublings + 1) : 0;
            windowsSinceHold = Integer.MAX_VALUE;
            holdWindows = settings.churnHoldWindows() << holdDoublings;
            log.info("adaptive limit: shedding churns, arrivals rose to {}/s ({}x the {}/s before it shrank: refused"
                            + " callers send again at once); back to {} and holding for {} ms", Math.round(rate),
                    String.format(Locale.ROOT, "%.1f", rate / Math.max(1, rateBeforeShrink)),
                    Math.round(rateBeforeShrink), shrunkFrom, settings.churnHold().toMillis() << holdDoublings);
            limit = Math.max(limit, shrunkFrom);
            verifyAgainst = rateBeforeShrink;
            verifyIn = VERIFY_AFTER_WINDOWS;
            shrunkFrom = 0;
            windowsSinceShrink = Integer.MAX_VALUE;
            lastRate = rate;
            return limit();
        }
        if (holdWindows > 0) {
            holdWindows--;
            if (verifyIn > 0 && --verifyIn == 0 && rate > settings.churnFactor() * verifyAgainst) {
                log.info("adaptive limit: arrivals stayed at {}/s after it let callers in again: new load, not"
                        + " churn; shedding again", Math.round(rate));
                holdWindows = 0;
                holdDoublings = 0;
            } else if (holdWindows == 0) {
                windowsSinceHold = 0;
            }
        }
        double next = limit;
        if (w.started() + w.endedWaiting() >= settings.minSamples()) {
            boolean standing = expired(w) || w.started() > 0 && w.minQueueNanos() > targetNanos && w.minAhead() > 0;
            boolean binding = w.refused() > 0 || w.maxInFlight() >= limit();
            next = next(w, standing, binding);
            if (holdWindows > 0) {
                next = Math.max(next, limit);
            }
            next = Math.max(settings.minLimit(), Math.min(settings.maxLimit(), next));
        }
        if (next < limit) {
            if (shrunkFrom == 0) {
                shrunkFrom = (int) Math.ceil(limit);
                rateBeforeShrink = Math.max(Math.max(arrivalRate, lastRate), rate);
            }
            windowsSinceShrink = 0;
        } else if (windowsSinceShrink != Integer.MAX_VALUE && ++windowsSinceShrink > settings.churnWindows()) {
            shrunkFrom = 0;
            windowsSinceShrink = Integer.MAX_VALUE;
        }
        if (shrunkFrom == 0) {
            arrivalRate = arrivalRate < 0 ? rate : arrivalRate + (rate - arrivalRate) * RATE_WEIGHT;
        }
        lastRate = rate;
        limit = next;
        return limit();
    }

    private boolean churned(Window w, double rate) {
        return shrunkFrom > 0 && windowsSinceShrink <= settings.churnWindows() && w.refused() > 0
                && w.arrivals() >= settings.minSamples() && rate > settings.churnFactor() * rateBeforeShrink;
    }

    /** Whether more than 1 % of the calls that left the queue in {@code w} ended still waiting (expired, cancelled). */
    static boolean expired(Window w) {
        return w.endedWaiting() * 100 > w.started();
    }

    /**
     * The next limit (before bounds) after a window that said something.
     *
     * @param standing whether it showed a standing queue (or calls that ended still waiting)
     * @param binding  whether the limit turned calls away or was full
     */
    abstract double next(Window w, boolean standing, boolean binding);
}
