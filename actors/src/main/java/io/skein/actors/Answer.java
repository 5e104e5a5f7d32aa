package io.skein.actors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Where a call's single answer goes; shared by the call kinds that answer once. First answer wins. */
final class Answer {

    private Answer() {
    }

    static <T> void completeWith(CompletableFuture<T> target, CompletionStage<? extends T> stage) {
        stage.whenComplete((value, error) -> {
            if (error != null) {
                target.completeExceptionally(error);
            } else {
                target.complete(value);
            }
        });
    }
}
