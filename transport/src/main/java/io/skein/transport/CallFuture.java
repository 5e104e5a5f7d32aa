package io.skein.transport;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.apache.pekko.annotation.InternalApi;

/**
 * The result of a unary call as its caller holds it. Only the call completes it: {@code complete},
 * {@code completeExceptionally} and {@code obtrude*} throw {@link UnsupportedOperationException}.
 * {@link #cancel} cancels the call (its {@link ClientCallContext}): the server is told, and the future
 * fails with a {@link io.skein.protocols.StatusException} {@code CANCELLED}. A failed call completes
 * it with a {@code StatusException}.
 *
 * <p>Threads: by default the future is completed on the I/O thread that read the answer (or the
 * thread that cancelled, or a timer thread at the deadline), so callbacks attached without an
 * executor run there and must not block. A caller whose callbacks may block sets
 * {@link CallOptions#withExecutor}: the future is then completed on that executor.
 *
 * @param <T> the response type
 */
public final class CallFuture<T> extends CompletableFuture<T> {

    private static final AtomicIntegerFieldUpdater<CallFuture> SETTLED =
            AtomicIntegerFieldUpdater.newUpdater(CallFuture.class, "settled");

    private final ClientCallContext context;
    private volatile int settled;

    /** A future for the call of {@code context}; made by the client, not by users. */
    @InternalApi
    public CallFuture(ClientCallContext context) {
        this.context = requireNonNull(context, "context");
    }

    /**
     * The caller's future for the call of {@code context}, completed as {@code call} is (with the
     * {@link io.skein.protocols.StatusException} inside a failure); {@code call} itself when it already
     * is that future. For the client chain only.
     */
    @InternalApi
    @SuppressWarnings("unchecked")
    public static <T> CallFuture<T> of(ClientCallContext context, CompletionStage<T> call) {
        if (call instanceof CallFuture<?> f && f.context == context) {
            return (CallFuture<T>) f;
        }
        CallFuture<T> future = new CallFuture<>(context);
        call.whenComplete((value, failure) -> {
            if (failure != null) {
                future.fail(unwrap(failure));
            } else {
                future.succeed(value);
            }
        });
        return future;
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The call this future is the result of. */
    public ClientCallContext context() {
        return context;
    }

    /**
     * Completes the call with {@code value}, on the call's executor when it has one; false when the
     * call already ended. For the client chain only.
     */
    @InternalApi
    public boolean succeed(T value) {
        if (!SETTLED.compareAndSet(this, 0, 1)) {
            return false;
        }
        Executor executor = context.executor();
        if (executor == null) {
            super.complete(value);
        } else {
            try {
                executor.execute(() -> super.complete(value));
            } catch (RejectedExecutionException e) {
                super.complete(value);
            }
        }
        return true;
    }

    /** Fails the call with {@code failure} (a status exception), like {@link #succeed}. For the client chain only. */
    @InternalApi
    public boolean fail(Throwable failure) {
        requireNonNull(failure, "failure");
        if (!SETTLED.compareAndSet(this, 0, 1)) {
            return false;
        }
        Executor executor = context.executor();
        if (executor == null) {
            super.completeExceptionally(failure);
        } else {
            try {
                executor.execute(() -> super.completeExceptionally(failure));
            } catch (RejectedExecutionException e) {
                super.completeExceptionally(failure);
            }
        }
        return true;
    }

    /** Whether the call has ended (its outcome may still be on its way to the executor). */
    public boolean isSettled() {
        return settled != 0;
    }

    /**
     * Cancels the call: the server is told and the future fails with {@code CANCELLED}. Returns true
     * when this cancelled a call still running.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return !isSettled() && context.cancel();
    }

    @Override
    public boolean complete(T value) {
        throw new UnsupportedOperationException("a call's future is completed by the call only");
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
        throw new UnsupportedOperationException("a call's future is completed by the call only");
    }

    @Override
    public void obtrudeValue(T value) {
        throw new UnsupportedOperationException("a call's future is completed by the call only");
    }

    @Override
    public void obtrudeException(Throwable ex) {
        throw new UnsupportedOperationException("a call's future is completed by the call only");
    }

    @Override
    public CompletableFuture<T> orTimeout(long timeout, TimeUnit unit) {
        throw new UnsupportedOperationException("set the call's timeout with CallOptions.withTimeout: "
                + "it becomes the deadline the server sees");
    }

    @Override
    public CompletableFuture<T> completeOnTimeout(T value, long timeout, TimeUnit unit) {
        throw new UnsupportedOperationException("a call's future is completed by the call only");
    }

    @Override
    public CompletableFuture<T> completeAsync(java.util.function.Supplier<? extends T> supplier, Executor executor) {
        throw new UnsupportedOperationException("a call's future is completed by the call only");
    }

    @Override
    public CompletableFuture<T> completeAsync(java.util.function.Supplier<? extends T> supplier) {
        throw new UnsupportedOperationException("a call's future is completed by the call only");
    }

    /** Dependent stages are plain futures. */
    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }

    @Override
    public String toString() {
        return "CallFuture{" + context.method().fullName() + ", " + super.toString() + '}';
    }
}
