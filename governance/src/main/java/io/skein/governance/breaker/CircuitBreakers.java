package io.skein.governance.breaker;

import static java.util.Objects.requireNonNull;

import io.skein.transport.supervision.ActorOwner;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Breakers by scope, created (with their actors, children of one {@link ActorOwner}) on the first call
 * of each scope. Used for the service level (scope {@code caller->pkg.Svc/Method}) and under
 * {@link InstanceBreakers}. Any thread may look breakers up or create them.
 */
public final class CircuitBreakers implements AutoCloseable {

    private final ActorOwner owner;
    private final Map<String, CircuitBreaker> byScope = new ConcurrentHashMap<>();
    private volatile BreakerSettings defaults;

    /** A registry whose new breakers start with {@code defaults}, their actors under {@code owner}. */
    public CircuitBreakers(ActorOwner owner, BreakerSettings defaults) {
        this.owner = requireNonNull(owner, "owner");
        this.defaults = requireNonNull(defaults, "defaults");
    }

    /** The breaker of {@code scope}, created with the current default settings on first use. */
    public CircuitBreaker get(String scope) {
        return get(scope, defaults);
    }

    /** The breaker of {@code scope}, created with {@code settings} on first use. */
    public CircuitBreaker get(String scope, BreakerSettings settings) {
        CircuitBreaker b = byScope.get(scope);
        return b != null ? b : byScope.computeIfAbsent(scope, s -> CircuitBreaker.create(owner, s, settings));
    }

    /** The breaker of {@code scope}, or {@code null} when it has had no call. */
    public CircuitBreaker find(String scope) {
        return byScope.get(scope);
    }

    /** New settings for every breaker, and for breakers created later. */
    public void update(BreakerSettings settings) {
        defaults = requireNonNull(settings, "settings");
        byScope.values().forEach(b -> b.update(settings));
    }

    /** Every breaker, for per-scope updates. */
    public Iterable<CircuitBreaker> all() {
        return byScope.values();
    }

    /** Every breaker's state and counts, by name. */
    public List<BreakerStats> stats() {
        List<BreakerStats> stats = new ArrayList<>();
        byScope.values().forEach(b -> stats.add(b.stats()));
        stats.sort(Comparator.comparing(BreakerStats::name));
        return stats;
    }

    /** Stops every breaker's actor (when the registry is closed apart from its owner). */
    @Override
    public void close() {
        byScope.values().forEach(CircuitBreaker::close);
        byScope.clear();
    }

    /**
     * A stream call behind {@code breaker}: admitted (or failed fast) when materialized, its outcome
     * recorded when it terminates.
     */
    public static <Req, Resp> Flow<Req, Resp, NotUsed> guard(CircuitBreaker breaker,
            Supplier<Flow<Req, Resp, NotUsed>> call) {
        requireNonNull(breaker, "breaker");
        return Flow.<Req, Resp, NotUsed>fromMaterializer((mat, attributes) -> {
            CircuitBreaker.Permit permit;
            try {
                permit = breaker.acquire();
            } catch (RuntimeException rejected) {
                return Flow.fromSinkAndSource(Sink.<Req>ignore(), Source.<Resp>failed(rejected));
            }
            return call.get().watchTermination((m, done) -> {
                done.whenComplete((d, f) -> breaker.record(permit, f));
                return m;
            });
        }).mapMaterializedValue(m -> NotUsed.getInstance());
    }
}
