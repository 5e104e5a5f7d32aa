package io.skein.examples.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waiting on call results with a bound, and asserting the exact status a call failed with. */
public final class Calls {

    /** The default bound for a call that should finish promptly. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Calls() {
    }

    /** The value of {@code stage} within {@link #TIMEOUT}; fails the test otherwise. */
    public static <T> T await(CompletionStage<T> stage) {
        return await(stage, TIMEOUT);
    }

    /** The value of {@code stage} within {@code timeout}; fails the test otherwise. */
    public static <T> T await(CompletionStage<T> stage, Duration timeout) {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("call failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("no result within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Asserts that {@code stage} fails within {@code timeout} with a {@link StatusException} of exactly
     * {@code expected}, and returns it.
     */
    public static StatusException assertFails(StatusCode expected, CompletionStage<?> stage, Duration timeout) {
        StatusException e = failure(stage, timeout);
        assertEquals(expected, e.code(), () -> "wrong status: " + e.status());
        return e;
    }

    /** Asserts that {@code stage} fails within {@link #TIMEOUT} with exactly {@code expected}. */
    public static StatusException assertFails(StatusCode expected, CompletionStage<?> stage) {
        return assertFails(expected, stage, TIMEOUT);
    }

    /** The {@link StatusException} {@code stage} fails with within {@code timeout}; fails the test otherwise. */
    public static StatusException failure(CompletionStage<?> stage, Duration timeout) {
        Object value;
        try {
            value = stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CompletionException e) {
            return statusOf(e.getCause());
        } catch (CancellationException e) {
            throw new AssertionError("expected a StatusException, got a bare cancellation", e);
        } catch (TimeoutException e) {
            throw new AssertionError("call neither failed nor succeeded within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return fail("expected the call to fail, but it returned " + value);
    }

    /** The StatusException in {@code t}'s cause chain; fails the test when there is none. */
    public static StatusException statusOf(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StatusException se) {
                return se;
            }
        }
        throw new AssertionError("expected a StatusException, got " + t, t);
    }
}
