package io.skein.governance.limit;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Locale;

/**
 * Settings of an adaptive concurrency limit ({@code adaptive { ... }} in a limits block): a limit that
 * an algorithm moves, between {@code minLimit} and {@code maxLimit}, with the <b>queueing delay inside the
 * node</b>: how long admitted calls waited before their service started them (in its actor's mailbox,
 * behind other calls). That is the delay a concurrency limit can shorten; the round trip, most of which
 * passes in clients, sockets and event loops before admission, is not.
 *
 * <p>Once per {@code window} the algorithm looks at the least any call waited in that window: if even
 * that exceeds {@code queueTarget}, a standing queue has formed (CoDel's test: a burst drains within a
 * window, a standing queue does not) and the limit shrinks; while calls wait less and the limit turned
 * calls away, it grows. When shedding looks like churn (arrivals jump {@code churnFactor} times within
 * {@code churnWindows} windows of a shrink, or a window refuses more than {@code churnRatio} calls per call
 * started), the limit opens for up to five windows to test it: if arrivals then fall by {@code churnFactor}, the
 * refused callers were sending again straight away (shedding them only burns the CPU the service needs) and
 * the limit holds open for {@code churnHold}; if not, shedding resumes (see {@code QueueDelayLimit}).
 *
 * @param enabled      whether the scope has an adaptive limit at all
 * @param algorithm    {@link Algorithm#GRADIENT} or {@link Algorithm#AIMD}
 * @param queueTarget  the queueing delay calls may have before the limit shrinks
 * @param initialLimit the limit before any observation
 * @param minLimit     the limit never goes below this
 * @param maxLimit     nor above this
 * @param window       how often the limit is recomputed from the calls that started meanwhile
 * @param minSamples   windows in which fewer calls started leave the limit as it is
 * @param smoothing    gradient: the exponent (0..1] a step's ratio is taken to ({@code 1}: the whole step)
 * @param backoffRatio AIMD: the factor a shrink multiplies the limit by (0..1)
 * @param increase     AIMD: what a growing window adds
 * @param churnFactor  arrivals this many times their level before a shrink make churn suspected, and
 *                     falling by this factor when callers are let in confirms it (&gt; 1)
 * @param churnWindows windows after a shrink in which such a jump counts
 * @param churnRatio   refused calls per started call in a window that make churn suspected (&gt; 1)
 * @param churnHold    how long the limit holds (does not shrink) after confirmed churn, and how long a
 *                     refuted suspicion of the second kind is not tested again
 */
public record AdaptiveSettings(boolean enabled, Algorithm algorithm, Duration queueTarget, int initialLimit,
                               int minLimit, int maxLimit, Duration window, int minSamples, double smoothing,
                               double backoffRatio, int increase, double churnFactor, int churnWindows,
                               double churnRatio, Duration churnHold) {

    /** How an adaptive limit moves with the queueing delay. */
    public enum Algorithm {
        /**
         * Proportional: the limit is multiplied by {@code (queueTarget / least delay)^smoothing}, kept within
         * [0.5, 2] before smoothing: a standing queue twice the target halves the step's limit, a delay far
         * under it (while calls were turned away) doubles it. Settles where the standing queue is about the
         * target.
         */
        GRADIENT,
        /**
         * Additive increase ({@code increase} per window that turned calls away with no standing queue),
         * multiplicative decrease ({@code backoffRatio} per window with one, or with calls that ended still
         * waiting). Probes around the same point, with a sawtooth.
         */
        AIMD
    }

    /** The defaults of {@code reference.conf}, disabled. */
    public static final AdaptiveSettings OFF = new AdaptiveSettings(false, Algorithm.GRADIENT, Duration.ofMillis(2),
            1000, 4, 10_000, Duration.ofMillis(100), 10, 0.5, 0.9, 1, 3.0, 3, 50.0, Duration.ofSeconds(10));

    public AdaptiveSettings {
        requireNonNull(algorithm, "algorithm");
        requireNonNull(queueTarget, "queueTarget");
        requireNonNull(window, "window");
        requireNonNull(churnHold, "churnHold");
        if (minLimit < 1 || maxLimit < minLimit || initialLimit < minLimit || initialLimit > maxLimit) {
            throw new IllegalArgumentException("adaptive limits need 1 <= min-limit <= initial-limit <= max-limit, got "
                    + minLimit + " / " + initialLimit + " / " + maxLimit);
        }
        if (window.toMillis() < 1) {
            throw new IllegalArgumentException("adaptive window must be at least 1 ms: " + window);
        }
        if (queueTarget.isNegative() || queueTarget.isZero()) {
            throw new IllegalArgumentException("adaptive queue-target must be positive: " + queueTarget);
        }
        if (minSamples < 1 || increase < 1 || churnWindows < 1) {
            throw new IllegalArgumentException("adaptive min-samples, aimd.increase and churn.windows must be at least 1");
        }
        if (!(smoothing > 0 && smoothing <= 1) || !(backoffRatio > 0 && backoffRatio < 1) || !(churnFactor > 1)
                || !(churnRatio > 1)) {
            throw new IllegalArgumentException("adaptive 0 < gradient.smoothing <= 1, 0 < aimd.backoff-ratio < 1,"
                    + " churn.factor > 1, churn.ratio > 1");
        }
        if (churnHold.isNegative()) {
            throw new IllegalArgumentException("adaptive churn.hold must not be negative: " + churnHold);
        }
    }

    /** Reads an {@code adaptive { ... }} block; every key is required (reference.conf supplies them). */
    public static AdaptiveSettings fromConfig(Config c) {
        requireNonNull(c, "c");
        return new AdaptiveSettings(c.getBoolean("enabled"),
                Algorithm.valueOf(c.getString("algorithm").toUpperCase(Locale.ROOT)),
                c.getDuration("queue-target"), c.getInt("initial-limit"), c.getInt("min-limit"), c.getInt("max-limit"),
                c.getDuration("window"), c.getInt("min-samples"), c.getDouble("gradient.smoothing"),
                c.getDouble("aimd.backoff-ratio"), c.getInt("aimd.increase"), c.getDouble("churn.factor"),
                c.getInt("churn.windows"), c.getDouble("churn.ratio"), c.getDuration("churn.hold"));
    }

    /** A copy switched on or off. */
    public AdaptiveSettings withEnabled(boolean on) {
        return new AdaptiveSettings(on, algorithm, queueTarget, initialLimit, minLimit, maxLimit, window, minSamples,
                smoothing, backoffRatio, increase, churnFactor, churnWindows, churnRatio, churnHold);
    }

    /** A copy with another algorithm. */
    public AdaptiveSettings withAlgorithm(Algorithm other) {
        return new AdaptiveSettings(enabled, requireNonNull(other, "other"), queueTarget, initialLimit, minLimit,
                maxLimit, window, minSamples, smoothing, backoffRatio, increase, churnFactor, churnWindows, churnRatio,
                churnHold);
    }

    /** A copy with other bounds. */
    public AdaptiveSettings withLimits(int initial, int min, int max) {
        return new AdaptiveSettings(enabled, algorithm, queueTarget, initial, min, max, window, minSamples, smoothing,
                backoffRatio, increase, churnFactor, churnWindows, churnRatio, churnHold);
    }

    /** A copy with another recompute window and minimum samples per window. */
    public AdaptiveSettings withWindow(Duration newWindow, int newMinSamples) {
        return new AdaptiveSettings(enabled, algorithm, queueTarget, initialLimit, minLimit, maxLimit, newWindow,
                newMinSamples, smoothing, backoffRatio, increase, churnFactor, churnWindows, churnRatio, churnHold);
    }

    /** A copy with another queueing-delay target. */
    public AdaptiveSettings withQueueTarget(Duration target) {
        return new AdaptiveSettings(enabled, algorithm, target, initialLimit, minLimit, maxLimit, window, minSamples,
                smoothing, backoffRatio, increase, churnFactor, churnWindows, churnRatio, churnHold);
    }

    /** A copy with another churn guard. */
    public AdaptiveSettings withChurn(double factor, int windows, double ratio, Duration hold) {
        return new AdaptiveSettings(enabled, algorithm, queueTarget, initialLimit, minLimit, maxLimit, window,
                minSamples, smoothing, backoffRatio, increase, factor, windows, ratio, hold);
    }

    /** How many windows {@code churnHold} lasts (at least one when it is not zero). */
    public int churnHoldWindows() {
        if (churnHold.isZero()) {
            return 0;
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, churnHold.toNanos() / window.toNanos()));
    }

    @Override
    public String toString() {
        return enabled ? algorithm.name().toLowerCase(Locale.ROOT) + "[queue target " + millis(queueTarget) + ", "
                + minLimit + ".." + maxLimit + ", start " + initialLimit + ", window " + millis(window) + "]" : "off";
    }

    private static String millis(Duration d) {
        return d.toNanos() % 1_000_000 == 0 ? d.toMillis() + "ms" : String.format(Locale.ROOT, "%.3fms", d.toNanos() / 1e6);
    }
}
