package io.skein.governance.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/** Future plumbing that keeps a channel's contract: cancelling the returned future cancels the call. */
public final class Futures {

    private Futures() {
    }

    /**
     * A future that completes as {@code source} does after running {@code onComplete}, and whose
     * cancellation cancels {@code source}.
     */
    public static <T> CompletableFuture<T> relay(CompletionStage<T> source, BiConsumer<? super T, ? super Throwable> onComplete) {
        Relay<T> result = new Relay<>(source, onComplete);
        source.whenComplete(result);
        return result;
    }

    /**
     * The relayed future is its own completion callback and passes cancellation down by overriding
     * {@code cancel}: one object per governance layer on the call path instead of a future, two
     * lambdas and a second dependent.
     */
    private static final class Relay<T> extends CompletableFuture<T> implements BiConsumer<T, Throwable> {
        private final CompletionStage<T> source;
        private final BiConsumer<? super T, ? super Throwable> onComplete;

        Relay(CompletionStage<T> source, BiConsumer<? super T, ? super Throwable> onComplete) {
            this.source = source;
            this.onComplete = onComplete;
        }

        @Override
        public void accept(T value, Throwable failure) {
            try {
                onComplete.accept(value, failure);
            } finally {
                if (failure != null) {
                    completeExceptionally(unwrap(failure));
                } else {
                    complete(value);
                }
            }
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                source.toCompletableFuture().cancel(mayInterruptIfRunning);
            }
            return cancelled;
        }
    }

    /** When {@code derived} is cancelled, {@code source} is cancelled too. */
    public static void cancelWith(CompletableFuture<?> derived, CompletionStage<?> source) {
        derived.whenComplete((v, failure) -> {
            if (derived.isCancelled()) {
                source.toCompletableFuture().cancel(true);
            }
        });
    }

    /** The cause inside a {@link java.util.concurrent.CompletionException}, or {@code failure} itself. */
    public static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
