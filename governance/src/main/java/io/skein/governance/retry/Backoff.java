package io.skein.governance.retry;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The wait before a retry (Kitex's NoneBackOff / FixedBackOff / RandomBackOff).
 *
 * @param kind     none, fixed or random
 * @param delay    the fixed wait, or the least random wait
 * @param maxDelay the largest random wait (ignored unless random)
 */
public record Backoff(Kind kind, Duration delay, Duration maxDelay) {

    /** Backoff strategies. */
    public enum Kind {
        /** Retry at once. */
        NONE,
        /** Wait {@code delay}. */
        FIXED,
        /** Wait a uniformly random time in {@code [delay, max-delay]} (jitter spreads retries out). */
        RANDOM
    }

    /** No wait. */
    public static final Backoff NONE = new Backoff(Kind.NONE, Duration.ZERO, Duration.ZERO);

    public Backoff {
        requireNonNull(kind, "kind");
        requireNonNull(delay, "delay");
        requireNonNull(maxDelay, "maxDelay");
        if (delay.isNegative() || maxDelay.isNegative() || (kind == Kind.RANDOM && maxDelay.compareTo(delay) < 0)) {
            throw new IllegalArgumentException("invalid backoff " + kind + " " + delay + ".." + maxDelay);
        }
    }

    /** Reads a {@code backoff { type, delay, max-delay }} block. */
    public static Backoff fromConfig(Config c) {
        String type = c.getString("type").trim().toUpperCase(Locale.ROOT);
        Kind kind;
        try {
            kind = Kind.valueOf(type);
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("type", "backoff type must be none, fixed or random: " + type);
        }
        return new Backoff(kind, c.getDuration("delay"), c.getDuration("max-delay"));
    }

    /** The wait before the next retry, in nanoseconds. */
    public long nextDelayNanos() {
        return switch (kind) {
            case NONE -> 0;
            case FIXED -> delay.toNanos();
            case RANDOM -> delay.toNanos() == maxDelay.toNanos() ? delay.toNanos()
                    : ThreadLocalRandom.current().nextLong(delay.toNanos(), maxDelay.toNanos() + 1);
        };
    }
}
