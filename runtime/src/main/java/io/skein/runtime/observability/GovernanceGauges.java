package io.skein.runtime.observability;

import io.skein.governance.breaker.BreakerState;
import io.skein.governance.breaker.BreakerStats;
import io.skein.governance.chain.GovernanceStats;
import io.skein.governance.chain.GovernedChannel;
import io.skein.governance.chain.GovernedChannels;
import io.skein.governance.limit.LimiterStats;
import io.skein.governance.limit.ServerLimitStats;
import io.skein.governance.limit.ServerLimiter;
import io.skein.governance.retry.RetryBudget;
import io.skein.runtime.cluster.ClusterRegistry;
import io.skein.runtime.cluster.MemberInfo;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import kamon.Kamon;
import kamon.tag.TagSet;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Governance and cluster metrics, read from the policies' published stats (no mailbox round trip) every
 * {@code skein.observability.metrics.gauge-interval}: server limiters (calls in flight, concurrency limit
 * in force — the adaptive value when adaptive —, admitted, refused by reason), connections refused at
 * accept, service circuit breakers (state, transitions, rejected calls), instance breakers counted by
 * state per service (no per-instance label), retry budgets (retries, backup requests, budget stops),
 * and cluster members by status and registry entries per service. Counts the policies keep since their
 * start become Kamon counters by their increase since the last read.
 *
 * <p>Runs on the node's scheduler only (one read at a time); not thread-safe by itself.
 */
final class GovernanceGauges implements Runnable {

    private final ActorSystem<?> system;
    private final ServerLimiter limiter;       // null on a client member
    private final ClusterRegistry registry;    // null on a standalone node
    // The last value read of every count, by metric and tags, to turn totals into increments.
    private final Map<String, Long> last = new HashMap<>();

    GovernanceGauges(ActorSystem<?> system, ServerLimiter limiter, ClusterRegistry registry) {
        this.system = system;
        this.limiter = limiter;
        this.registry = registry;
    }

    @Override
    public void run() {
        if (limiter != null) {
            limits(limiter.stats());
        }
        for (GovernedChannel channel : GovernedChannels.of(system)) {
            client(channel.stats());
        }
        if (registry != null) {
            cluster();
        }
    }

    private void limits(ServerLimitStats stats) {
        count("skein.server.connections.refused", TagSet.Empty(), stats.refusedConnections());
        limiter(stats.server());
        stats.methods().values().forEach(this::limiter);
    }

    private void limiter(LimiterStats s) {
        TagSet tags = TagSet.of("scope", s.scope());
        Kamon.gauge("skein.limiter.in_flight", "calls a server limiter has admitted and not yet released")
                .withTags(tags).update(s.inFlight());
        Kamon.gauge("skein.limiter.concurrency_limit", "the concurrency limit in force (adaptive: its current value);"
                + " 0 = unlimited").withTags(tags).update(s.concurrencyLimit());
        count("skein.limiter.admitted", tags, s.admitted());
        count("skein.limiter.refused", tags.withTag("reason", "concurrency"), s.refusedConcurrency());
        count("skein.limiter.refused", tags.withTag("reason", "rate"), s.refusedRate());
    }

    private void client(GovernanceStats stats) {
        for (BreakerStats b : stats.serviceBreakers()) {
            String name = b.name();
            int arrow = name.indexOf("->");
            String target = arrow >= 0 ? name.substring(arrow + 2) : name;
            int slash = target.lastIndexOf('/');
            TagSet tags = TagSet.of("rpc.service", slash > 0 ? target.substring(0, slash) : target)
                    .withTag("rpc.method", slash > 0 ? target.substring(slash + 1) : "");
            Kamon.gauge("skein.breaker.state", "service circuit breaker: 0 closed, 1 half-open, 2 open")
                    .withTags(tags).update(stateValue(b.state()));
            count("skein.breaker.transitions", tags, b.transitions());
            count("skein.breaker.rejected", tags, b.rejected());
        }
        Map<String, Integer> byState = new TreeMap<>();
        for (BreakerState state : BreakerState.values()) {
            byState.put(state.name(), 0);
        }
        stats.instanceBreakers().forEach(b -> byState.merge(b.state().name(), 1, Integer::sum));
        byState.forEach((state, n) -> Kamon.gauge("skein.breaker.instances", "instance circuit breakers by state")
                .withTags(TagSet.of("rpc.service", stats.service()).withTag("state", state)).update(n));
        for (RetryBudget.Stats r : stats.retryBudgets()) {
            String target = r.name().contains("->") ? r.name().substring(r.name().indexOf("->") + 2) : r.name();
            int slash = target.lastIndexOf('/');
            TagSet tags = TagSet.of("rpc.service", slash > 0 ? target.substring(0, slash) : stats.service())
                    .withTag("rpc.method", slash > 0 ? target.substring(slash + 1) : target);
            count("skein.retry.retries", tags, r.retries());
            count("skein.retry.backups", tags, r.backups());
            count("skein.retry.budget_stops", tags, r.denied());
            Kamon.gauge("skein.retry.budget_allowed", "1 while the retry budget allows retries and backups")
                    .withTags(tags).update(r.allowed() ? 1 : 0);
        }
    }

    private void cluster() {
        Map<String, Integer> byStatus = new TreeMap<>();
        Map<String, Integer> entries = new TreeMap<>();
        int unreachable = 0;
        for (MemberInfo m : registry.members()) {
            byStatus.merge(m.status(), 1, Integer::sum);
            if (!m.reachable()) {
                unreachable++;
            }
            m.services().forEach(s -> entries.merge(s, 1, Integer::sum));
        }
        for (String status : new String[] {"Joining", "WeaklyUp", "Up", "Leaving", "Exiting", "Down", "Removed"}) {
            byStatus.putIfAbsent(status, 0);
        }
        byStatus.forEach((status, n) -> Kamon.gauge("skein.cluster.members", "cluster members by status")
                .withTags(TagSet.of("status", status)).update(n));
        Kamon.gauge("skein.cluster.unreachable", "members this node cannot reach").withoutTags().update(unreachable);
        entries.forEach((service, n) -> Kamon.gauge("skein.cluster.entries", "registry entries per service")
                .withTags(TagSet.of("rpc.service", service)).update(n));
    }

    private static final Map<String, String> HELP = Map.of(
            "skein.server.connections.refused", "connections a server closed at accept: over its connection limit",
            "skein.limiter.admitted", "calls a server limiter admitted",
            "skein.limiter.refused", "calls a server limiter refused, by reason (concurrency, rate)",
            "skein.breaker.transitions", "state changes of a service circuit breaker",
            "skein.breaker.rejected", "calls a service circuit breaker failed fast while open",
            "skein.retry.retries", "failure retries sent",
            "skein.retry.backups", "backup requests sent",
            "skein.retry.budget_stops", "retries and backup requests the retry budget stopped");

    /** Adds to counter {@code name} what {@code total} grew by since the last read. */
    private void count(String name, TagSet tags, long total) {
        String key = name + tags;
        long before = last.getOrDefault(key, 0L);
        last.put(key, total);
        var counter = Kamon.counter(name, HELP.getOrDefault(name, name)).withTags(tags);
        if (total > before) {
            counter.increment(total - before);
        } else {
            counter.increment(0); // registered, so the series exists from the first read
        }
    }

    private static int stateValue(BreakerState state) {
        return switch (state) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
        };
    }
}
