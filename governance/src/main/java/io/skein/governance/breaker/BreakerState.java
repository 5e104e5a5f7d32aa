package io.skein.governance.breaker;

/** The states of a circuit breaker. */
public enum BreakerState {
    /** Calls pass; outcomes are counted. */
    CLOSED,
    /** Calls fail fast with {@code UNAVAILABLE} until the cooling time is over. */
    OPEN,
    /** A few probe calls pass; their outcomes close or reopen the breaker. */
    HALF_OPEN
}
