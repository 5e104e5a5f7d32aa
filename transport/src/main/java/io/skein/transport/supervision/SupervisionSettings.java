package io.skein.transport.supervision;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * How an infrastructure actor (a breaker, a budget, a limiter) is restarted after it throws
 * ({@code skein.supervision} in {@code reference.conf}): with exponential backoff from
 * {@code minBackoff} up to {@code maxBackoff}, as often as it takes. There is deliberately no limit after
 * which it gives up: an actor that stopped for good would leave its breaker stuck or its limit frozen.
 * The backoff is what bounds a crash loop's cost. Messages that arrive while it waits are stashed (up
 * to {@code stashCapacity}, then dropped and logged) and handed to the restarted actor; the message
 * whose handling threw is lost, so every actor restarts from state that does not depend on it (see
 * {@link ActorOwner}).
 *
 * @param minBackoff    wait before the first restart; doubles with each crash in a row
 * @param maxBackoff    longest wait between restarts
 * @param randomFactor  extra random share of each wait, in [0, 1], so actors that crashed together do
 *                      not restart in lockstep
 * @param resetAfter    time without a crash after which the next one waits {@code minBackoff} again
 * @param stashCapacity messages kept for the restarted actor while it waits
 */
public record SupervisionSettings(Duration minBackoff, Duration maxBackoff, double randomFactor, Duration resetAfter,
        int stashCapacity) {

    public SupervisionSettings {
        requireNonNull(minBackoff, "minBackoff");
        requireNonNull(maxBackoff, "maxBackoff");
        requireNonNull(resetAfter, "resetAfter");
        if (minBackoff.isNegative() || minBackoff.isZero() || resetAfter.isNegative() || resetAfter.isZero()) {
            throw new IllegalArgumentException("min-backoff and reset-after must be positive: " + minBackoff + " / "
                    + resetAfter);
        }
        if (maxBackoff.compareTo(minBackoff) < 0) {
            throw new IllegalArgumentException("max-backoff " + maxBackoff + " is below min-backoff " + minBackoff);
        }
        if (!(randomFactor >= 0 && randomFactor <= 1) || stashCapacity < 0) {
            throw new IllegalArgumentException("random-factor must be in [0, 1] and stash-capacity >= 0: "
                    + randomFactor + " / " + stashCapacity);
        }
    }

    /** Reads a {@code skein.supervision} block (keys as in {@code reference.conf}). */
    public static SupervisionSettings fromConfig(Config c) {
        requireNonNull(c, "config");
        // The record's constructor checks the values and names the key that is off.
        return new SupervisionSettings(c.getDuration("min-backoff"), c.getDuration("max-backoff"),
                c.getDouble("random-factor"), c.getDuration("reset-after"), c.getInt("stash-capacity"));
    }

    /** The settings of {@code system}'s configuration ({@code skein.supervision}). */
    public static SupervisionSettings of(ActorSystem<?> system) {
        return fromConfig(requireNonNull(system, "system").settings().config().getConfig("skein.supervision"));
    }

    /**
     * {@code behavior} restarted (from its initial behavior, so its setup runs again) whenever it throws.
     * It also throws on {@link FailureInjection#inject}, the tests' way to check the restart.
     */
    public <T> Behavior<T> supervise(Behavior<T> behavior) {
        return supervise(behavior, true);
    }

    /**
     * Like {@link #supervise(Behavior)}; with {@code stopChildren = false} a restart keeps the actor's
     * children (a pool's or server's connection actors, which own live connections) instead of
     * stopping them, and the restarted actor adopts them again.
     */
    public <T> Behavior<T> supervise(Behavior<T> behavior, boolean stopChildren) {
        return Behaviors.supervise(FailureInjection.injectable(requireNonNull(behavior, "behavior"))).onFailure(
                SupervisorStrategy.restartWithBackoff(minBackoff, maxBackoff, randomFactor)
                        .withResetBackoffAfter(resetAfter)
                        .withStashCapacity(stashCapacity)
                        .withStopChildren(stopChildren));
    }
}
