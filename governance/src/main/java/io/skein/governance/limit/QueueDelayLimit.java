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
 * ahead of them, and a smaller limit would only cut throughput. A window shows the limit binding when it
 * turned calls away or was full. Windows in which fewer than {@code minSamples} calls started or ended
 * waiting say nothing and change nothing. Subclasses decide the next limit from those facts ({@link #next}).
 *
 * <p><b>Churn guard.</b> Shedding pays off when the calls it turns away go elsewhere or come back later;
 * callers that send again the moment they are refused (a closed loop without back-off) turn every refusal
 * into another arrival, and the refusals take the CPU and the connections the admitted calls need. Churn is
 * suspected when, within {@code churnWindows} windows of a shrink, arrivals rose above {@code churnFactor}
 * times their rate before it (the highest of the window that made it shrink, the one before, and an
 * average over calmer windows), or when a window refused more than {@code churnRatio} times the calls
 * that the node starts per window. The suspicion is then tested: the limit opens for up to five windows (after a
 * shrink to where it was before it, or by the calls the window refused, at least twice; a limit that was
 * already low to {@code maxLimit}), and the question is whether the node keeps up with what arrives once
 * nobody is refused. The first window still carries calls that were on their way and is not judged; the
 * first later window in which the node kept up confirms churn, two in which arrivals were twice the calls
 * that started refute it, and so does running out of windows (a window with fewer than {@code minSamples}
 * arrivals or starts proves nothing). Callers in a closed loop are clocked
 * by their answers: let in, they send no faster than the node answers, arrivals match the calls that start,
 * and shedding them only churned. The limit then holds at twice the calls then in flight (at least where it
 * was) and does not shrink for {@code churnHold}, doubled each time churn is confirmed again right after a
 * hold, up to eight times; a hold ends early, back at the limit before the test, when arrivals outrun the
 * calls that start for three windows in a row while a queue stands (the load changed). If arrivals outrun the node even with everybody let in, they are load that
 * does not go away when refused (an open-loop overload): the limit goes back to where it was, and a
 * suspicion of the second kind is not tested again for {@code churnHold}, doubled with each refuted test in
 * a row up to eight times. The second kind compares a window's refusals with the most calls the node
 * started in a window lately, so a window in which a paused node started few does not raise it.
 *
 * <p><b>Back to the prior.</b> A window without a standing queue and without refusals says the limit is not
 * needed at its level: a limit below {@code initialLimit} then grows back towards it (by the square root
 * of two per window), so that a limit an old overload left low does not meet the next load there, and a
 * closed loop that arrives later meets a limit high enough that its churn shows when the limit shrinks.
 */
abstract class QueueDelayLimit implements AdaptiveLimit {

    private static final Logger log = LoggerFactory.getLogger(QueueDelayLimit.class);
    // Weight of a new window in the average arrival rate the churn guard compares against.
    private static final double RATE_WEIGHT = 0.2;
    // A churn test lasts at most this many windows; its first still carries the calls that were on their way
    // when the limit opened and is not judged.
    private static final int VERIFY_WINDOWS = 5;
    private static final int MAX_HOLD_DOUBLINGS = 3;
    // Arrivals more than this many times the calls that started: the node does not keep up with its load
    // (a churn test's verdict; a hold ends when it lasts HOLD_OVER_WINDOWS windows in a row while a queue stands).
    private static final double OUTRUN = 1.25;
    private static final double HOLD_OUTRUN = 1.1;
    private static final int HOLD_OVER_WINDOWS = 3;
    // The node's pace is the most calls it started in a window lately, decaying by this much per window (a
    // half-life of about 35 windows), so that a window in which a paused node started few calls does not
    // make its refusals look many.
    private static final double PACE_DECAY = 0.98;
    private static final double RELAX = Math.sqrt(2);
    // A churn test is refuted after two judged windows in which arrivals outrun the calls that start this much.
    private static final double CLEARLY_OUTRUN = 2.0;

    final AdaptiveSettings settings;
    final long targetNanos;
    double limit;
    private double arrivalRate = -1;
    private double lastRate;
    private int shrunkFrom;            // the limit before the current run of shrinks; 0 when none
    private double rateBeforeShrink;
    private int windowsSinceShrink = Integer.MAX_VALUE;
    // The churn test: while probing the limit is open; what it was and the arrivals that raised the suspicion.
    private int probeWindows;
    private double probedFrom;
    private double suspectRate;
    private int probePeakInFlight;
    private int probeClearlyOutrun;
    private int holdWindows;
    private int holdDoublings;
    private int windowsSinceHold = Integer.MAX_VALUE; // since the last hold ran out
    private int cooldownWindows;                      // no ratio-triggered test before this runs out
    private int outrunWindows;                        // windows in a row a hold saw arrivals outrun the node
    private int cooldownDoublings;
    private double heldFrom;                          // the limit before the test that started the hold
    private double pace;                              // calls started per window at best lately (decaying peak)

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
        if (cooldownWindows > 0) {
            cooldownWindows--;
        }
        if (probeWindows > 0) {
            probe(w, rate);
            lastRate = rate;
            return limit();
        }
        if (holdWindows > 0 && --holdWindows == 0) {
            windowsSinceHold = 0;
        }
        if (holdWindows > 0) {
            boolean outrun = w.arrivals() > HOLD_OUTRUN * Math.max(settings.minSamples(), w.started())
                    && w.started() > 0 && w.minQueueNanos() > targetNanos && w.minAhead() > 0;
            outrunWindows = outrun ? outrunWindows + 1 : 0;
            if (outrunWindows >= HOLD_OVER_WINDOWS) {
                log.info("adaptive limit: for {} windows more calls arrived than started ({} against {} in the last)"
                        + " while a queue stood: the load changed; hold over, back to {}", HOLD_OVER_WINDOWS,
                        w.arrivals(), w.started(), (int) heldFrom);
                holdWindows = 0;
                holdDoublings = 0;
                outrunWindows = 0;
                limit = Math.min(limit, heldFrom);
            }
        }
        pace = Math.max(pace * PACE_DECAY, w.started());
        String suspicion = churnSuspected(w, rate);
        if (suspicion != null) {
            log.info("adaptive limit: {}: testing for churn (refused callers that send again at once) by letting"
                    + " calls in for up to {} windows", suspicion, VERIFY_WINDOWS);
            probedFrom = limit;
            suspectRate = rate;
            probeWindows = VERIFY_WINDOWS;
            probePeakInFlight = 0;
            probeClearlyOutrun = 0;
            // Room for the callers: after a shrink, where the limit was before it (it had let them all in) and
            // the callers refused since; without one (the limit was already low), as much as it may.
            limit = shrunkFrom > 0
                    ? Math.min(settings.maxLimit(), Math.max(Math.max(2 * limit, shrunkFrom),
                            w.maxInFlight() + (double) w.refused()))
                    : settings.maxLimit();
            endShrinking();
            lastRate = rate;
            return limit();
        }
        double next = limit;
        if (w.started() + w.endedWaiting() >= settings.minSamples()) {
            boolean standing = expired(w) || w.started() > 0 && w.minQueueNanos() > targetNanos && w.minAhead() > 0;
            boolean binding = w.refused() > 0 || w.maxInFlight() >= limit();
            next = next(w, standing, binding);
            if (!standing && w.refused() == 0 && next < settings.initialLimit()) {
                next = Math.max(next, Math.min(settings.initialLimit(), limit * RELAX));
            }
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
            endShrinking();
        }
        if (shrunkFrom == 0) {
            arrivalRate = arrivalRate < 0 ? rate : arrivalRate + (rate - arrivalRate) * RATE_WEIGHT;
        }
        lastRate = rate;
        limit = next;
        return limit();
    }

    /** Why churn is suspected in {@code w}, or {@code null}. */
    private String churnSuspected(Window w, double rate) {
        if (holdWindows > 0 || limit >= settings.maxLimit() || w.refused() < settings.minSamples()) {
            return null;
        }
        if (shrunkFrom > 0 && windowsSinceShrink <= settings.churnWindows()
                && rate > settings.churnFactor() * rateBeforeShrink) {
            return String.format(Locale.ROOT, "arrivals rose to %d/s, %.1fx their %d/s before the limit shrank",
                    Math.round(rate), rate / Math.max(1, rateBeforeShrink), Math.round(rateBeforeShrink));
        }
        if (cooldownWindows == 0
                && w.refused() > settings.churnRatio() * Math.max(settings.minSamples(), pace)) {
            return String.format(Locale.ROOT, "%d calls refused in a window where up to %d start", w.refused(),
                    Math.round(pace));
        }
        return null;
    }

    /**
     * A window of the churn test: the limit stays open. Churn is confirmed by the first judged window in which
     * the node kept up with what arrived (enough of both, arrivals at most {@code OUTRUN} times the calls that
     * started); refuted by two in which arrivals clearly outran it, or when the test runs out.
     */
    private void probe(Window w, double rate) {
        probePeakInFlight = Math.max(probePeakInFlight, w.maxInFlight());
        boolean judged = probeWindows < VERIFY_WINDOWS;
        probeWindows--;
        if (!judged) {
            return;
        }
        boolean enough = w.arrivals() >= settings.minSamples() && w.started() >= settings.minSamples();
        if (enough && w.arrivals() <= OUTRUN * w.started()) {
            probeWindows = 0;
            boolean recurring = windowsSinceHold <= settings.churnWindows() + 10;
            holdDoublings = recurring ? Math.min(MAX_HOLD_DOUBLINGS, holdDoublings + 1) : 0;
            holdWindows = settings.churnHoldWindows() << holdDoublings;
            windowsSinceHold = Integer.MAX_VALUE;
            heldFrom = probedFrom;
            cooldownDoublings = 0;
            limit = Math.max(probedFrom, Math.min(settings.maxLimit(), 2.0 * probePeakInFlight));
            log.info("adaptive limit: shedding churned: with callers let in, {} arrived while {} started (at {}/s"
                            + " while refused); holding at {} for {} ms", w.arrivals(), w.started(),
                    Math.round(suspectRate), limit(), settings.churnHold().toMillis() << holdDoublings);
            return;
        }
        if (w.arrivals() > CLEARLY_OUTRUN * Math.max(settings.minSamples(), w.started())) {
            probeClearlyOutrun++;
        }
        if (probeClearlyOutrun < 2 && probeWindows > 0) {
            return;
        }
        probeWindows = 0;
        limit = probedFrom;
        // Each refuted suspicion doubles the wait before the next one may be tested, up to 8 holds.
        cooldownWindows = settings.churnHoldWindows() << cooldownDoublings;
        cooldownDoublings = Math.min(MAX_HOLD_DOUBLINGS, cooldownDoublings + 1);
        log.info("adaptive limit: with callers let in, {} arrived while {} started: {}; shedding again from {}",
                w.arrivals(), w.started(), probeClearlyOutrun >= 2 ? "load that does not go away when refused,"
                        + " not churn" : "no sign that it was churn", limit());
    }

    private void endShrinking() {
        shrunkFrom = 0;
        windowsSinceShrink = Integer.MAX_VALUE;
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
