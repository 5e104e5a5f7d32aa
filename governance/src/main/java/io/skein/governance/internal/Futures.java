package io.skein.governance.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/** Future plumbing for the client chain's layers. */
public final class Futures {

    private Futures() {
    }

    /**
     * A stage that completes as {@code source} does (with the same failure, unwrapped) after running
     * {@code onComplete}: one object per governance layer on the call path. Cancellation does not
     * travel through it: a call is cancelled through its {@link io.skein.transport.ClientCallContext}.
     */
    public static <T> CompletableFuture<T> observe(CompletionStage<T> source,
                                                   BiConsumer<? super T, ? super Throwable> onComplete) {
        Observer<T> result = new Observer<>(onComplete);
        source.whenComplete(result);
        return result;
    }

    /** The observed future is its own completion callback. */
    private static final class Observer<T> extends CompletableFuture<T> implements BiConsumer<T, Throwable> {
        private final BiConsumer<? super T, ? super Throwable> onComplete;

        Observer(BiConsumer<? super T, ? super Throwable> onComplete) {
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
