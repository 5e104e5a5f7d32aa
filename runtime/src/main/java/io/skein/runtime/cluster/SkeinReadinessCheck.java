package io.skein.runtime.cluster;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * pekko-management readiness check ({@code /ready}): true once this node's registry entries are
 * published (for a {@code client} member: once it is Up), false again from the moment a graceful
 * shutdown withdraws them. Configured in the runtime's {@code reference.conf} under
 * {@code pekko.management.health-checks.readiness-checks.skein-registry}.
 */
public final class SkeinReadinessCheck implements Supplier<CompletionStage<Boolean>> {

    private final org.apache.pekko.actor.ActorSystem system;

    /** Created by pekko-management with the node's (classic) actor system. */
    public SkeinReadinessCheck(org.apache.pekko.actor.ActorSystem system) {
        this.system = system;
    }

    @Override
    public CompletionStage<Boolean> get() {
        return CompletableFuture.completedFuture(ClusterRegistry.get(Adapter.toTyped(system)).isReady());
    }
}
