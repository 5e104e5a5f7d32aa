package io.skein.examples.testing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Bounded polling for conditions that have no future to wait on. Never use {@code Thread.sleep} to
 * wait for something in these tests: wait on a future with a timeout, or poll here.
 */
public final class Await {

    private static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private Await() {
    }

    /** Polls {@code condition} every few milliseconds; fails when it is still false after {@code timeout}. */
    public static void until(Duration timeout, BooleanSupplier condition) {
        until(timeout, condition, () -> "condition");
    }

    /**
     * Polls {@code condition} every few milliseconds; fails with {@code description} (evaluated at the
     * failure, so it can report the current state) when it is still false after {@code timeout}.
     */
    public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> description) {
        requireNonNull(timeout, "timeout");
        requireNonNull(condition, "condition");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for "
                        + description.get());
            }
            LockSupport.parkNanos(PARK_NANOS);
            if (Thread.interrupted()) {
                throw new AssertionError("interrupted while waiting for " + description.get());
            }
        }
    }
}
