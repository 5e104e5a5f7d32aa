package io.skein.governance.retry;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.skein.governance.internal.ConfigValues;
import io.skein.protocols.StatusCode;
import java.util.Set;

/**
 * Failure retry of one method.
 *
 * @param enabled            whether failed calls are retried at all
 * @param maxRetries         retries after the first attempt, 0..5 (Kitex: 2)
 * @param backoff            the wait before each retry
 * @param retryableCodes     statuses worth another attempt (default {@code UNAVAILABLE})
 * @param retryNonIdempotent retry even methods not marked idempotent (default no)
 * @param budget             the retry budget (also bounds backup requests)
 */
public record RetryPolicy(boolean enabled, int maxRetries, Backoff backoff, Set<StatusCode> retryableCodes,
        boolean retryNonIdempotent, BudgetSettings budget) {

    public RetryPolicy {
        requireNonNull(backoff, "backoff");
        requireNonNull(budget, "budget");
        retryableCodes = Set.copyOf(requireNonNull(retryableCodes, "retryableCodes"));
        if (maxRetries < 0 || maxRetries > 5) {
            throw new IllegalArgumentException("max retries must be in [0, 5]: " + maxRetries);
        }
    }

    /** Reads a {@code retry { }} block (see {@code reference.conf}). */
    public static RetryPolicy fromConfig(Config c) {
        return new RetryPolicy(c.getBoolean("enabled"), ConfigValues.intIn(c, "max-retries", 0, 5),
                Backoff.fromConfig(c.getConfig("backoff")), ConfigValues.codes(c, "retryable-codes"),
                c.getBoolean("retry-non-idempotent"), BudgetSettings.fromConfig(c.getConfig("budget")));
    }

    /** Whether a failure with {@code code} may be retried. */
    public boolean retryable(StatusCode code) {
        return retryableCodes.contains(code);
    }
}
