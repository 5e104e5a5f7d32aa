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
        CompletableFuture<T> result = new CompletableFuture<>();
        source.whenComplete((value, failure) -> {
            onComplete.accept(value, failure);
            if (failure != null) {
                result.completeExceptionally(unwrap(failure));
            } else {
                result.complete(value);
            }
        });
        cancelWith(result, source);
        return result;
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
