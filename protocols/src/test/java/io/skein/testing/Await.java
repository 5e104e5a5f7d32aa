package io.skein.testing;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waiting for tests: poll a condition, or wait for a future, never longer than a limit. */
public final class Await {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private Await() {
    }

    /** Polls {@code condition} until it holds; fails the test when {@code limit} passes first. */
    public static void until(Duration limit, BooleanSupplier condition) {
        until(limit, condition, () -> "condition");
    }

    /** Like {@link #until(Duration, BooleanSupplier)}, describing the condition in the failure. */
    public static void until(Duration limit, BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what.get() + " did not hold within " + limit);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** The value of {@code stage}; fails the test when it does not complete within {@code limit}. */
    public static <T> T result(CompletionStage<T> stage, Duration limit) {
        try {
            return stage.toCompletableFuture().get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("not completed within " + limit, e);
        } catch (ExecutionException e) {
            throw new AssertionError("failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * The failure of {@code stage} (unwrapped from completion/execution wrappers); fails the test when
     * it succeeds or does not complete within {@code limit}.
     */
    public static Throwable failure(CompletionStage<?> stage, Duration limit) {
        try {
            Object value = stage.toCompletableFuture().get(limit.toNanos(), TimeUnit.NANOSECONDS);
            throw new AssertionError("expected a failure, got " + value);
        } catch (TimeoutException e) {
            throw new AssertionError("not completed within " + limit, e);
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
                t = t.getCause();
            }
            return t;
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
