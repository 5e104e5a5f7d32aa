package io.skein.governance.breaker;

import static java.util.Objects.requireNonNull;

import io.skein.governance.balancer.BalancedChannel;
import io.skein.governance.balancer.InstanceMiddleware;
import io.skein.governance.chain.ForwardingClientChannel;
import io.skein.governance.discovery.Instance;
import io.skein.governance.internal.Futures;
import io.skein.transport.supervision.ActorOwner;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientCallContext;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * Instance-level circuit breakers of one service: one {@link CircuitBreaker} per endpoint, applied
 * below the balancer. Plug both halves into a {@link BalancedChannel.Builder}:
 * {@link #middleware()} guards and counts each instance's calls ({@code perInstance}), and
 * {@link #eligibility()} lets the balancer skip instances whose breaker is open ({@code eligibility}),
 * so a retry above the balancer lands elsewhere. By default only connection-level failures
 * ({@code UNAVAILABLE}) count, as in Kitex. The breakers' actors are children of the governed channel's
 * {@link ActorOwner} ({@code breaker-<service>@<node>(<host>:<port>)-<n>}) and stop with it.
 */
public final class InstanceBreakers implements AutoCloseable {

    private final String service;
    private final CircuitBreakers breakers;
    /** The breaker last seen per node id, so the per-pick eligibility check builds no scope string. */
    private final Map<String, Seen> byNodeId = new ConcurrentHashMap<>();

    private record Seen(String host, int port, CircuitBreaker breaker) {
    }

    private InstanceBreakers(ActorOwner owner, String service, BreakerSettings settings) {
        this.service = service;
        this.breakers = new CircuitBreakers(owner, settings);
    }

    /** Breakers for the instances of {@code service}, all with {@code settings}, their actors under {@code owner}. */
    public static InstanceBreakers create(ActorOwner owner, String service, BreakerSettings settings) {
        return new InstanceBreakers(requireNonNull(owner, "owner"), requireNonNull(service, "service"),
                requireNonNull(settings, "settings"));
    }

    /** The per-instance stage for {@link BalancedChannel.Builder#perInstance}. */
    public InstanceMiddleware middleware() {
        return (instance, next) -> {
            CircuitBreaker breaker = breakers.get(key(instance));
            byNodeId.put(instance.nodeId(), new Seen(instance.host(), instance.port(), breaker));
            return new Guarded(breaker, next);
        };
    }

    /** Which instances may take calls now, for {@link BalancedChannel.Builder#eligibility}. */
    public Predicate<Instance> eligibility() {
        return instance -> {
            Seen seen = byNodeId.get(instance.nodeId());
            CircuitBreaker b = seen != null && seen.port == instance.port() && seen.host.equals(instance.host())
                    ? seen.breaker : breakers.find(key(instance));
            return b == null || b.admits();
        };
    }

    /** The breaker of {@code instance}, created on first use. */
    public CircuitBreaker breaker(Instance instance) {
        return breakers.get(key(instance));
    }

    /** New settings for every instance's breaker, now and later. */
    public void update(BreakerSettings settings) {
        breakers.update(settings);
    }

    /** Every instance breaker's state and counts. */
    public List<BreakerStats> stats() {
        return breakers.stats();
    }

    @Override
    public void close() {
        breakers.close();
    }

    private String key(Instance instance) {
        return service + "@" + instance.nodeId() + "(" + instance.host() + ":" + instance.port() + ")";
    }

    /** One instance's channel behind its breaker. */
    private static final class Guarded extends ForwardingClientChannel {
        private final CircuitBreaker breaker;

        Guarded(CircuitBreaker breaker, ClientChannel next) {
            super(next);
            this.breaker = breaker;
        }

        @Override
        public <Req, Resp> CompletionStage<Resp> unary(MethodDescriptor<Req, Resp> method, Req request,
                ClientCallContext context) {
            CircuitBreaker.Permit permit;
            try {
                permit = breaker.acquire();
            } catch (RuntimeException rejected) {
                return CompletableFuture.failedFuture(rejected);
            }
            return Futures.observe(delegate().unary(method, request, context), (v, f) -> breaker.record(permit, f));
        }

        @Override
        public <Req, Resp> Flow<Req, Resp, NotUsed> stream(MethodDescriptor<Req, Resp> method, CallOptions options) {
            return CircuitBreakers.guard(breaker, () -> delegate().stream(method, options));
        }
    }
}
