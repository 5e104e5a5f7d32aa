package io.skein.governance.breaker;

import java.time.Duration;

/**
 * What a breaker shows about itself at one moment.
 *
 * @param name        the breaker's scope ({@code caller->pkg.Svc/Method}, or {@code pkg.Svc@node})
 * @param state       its state
 * @param successes   calls counted as successes in the current window
 * @param failures    calls counted as failures in the current window
 * @param consecutive failures in a row right now
 * @param rejected    calls failed fast since the breaker was created
 * @param transitions state changes since the breaker was created
 * @param openFor     how much longer it stays open ({@link Duration#ZERO} unless open)
 * @param reason      why it last opened (empty when it never did)
 */
public record BreakerStats(String name, BreakerState state, long successes, long failures, long consecutive,
        long rejected, long transitions, Duration openFor, String reason) {
}
