package io.skein.governance.chain;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.skein.governance.balancer.BalancedChannel;
import io.skein.governance.breaker.BreakerStats;
import io.skein.governance.breaker.CircuitBreaker;
import io.skein.governance.breaker.CircuitBreakers;
import io.skein.governance.breaker.InstanceBreakers;
import io.skein.governance.config.ClientPolicies;
import io.skein.governance.config.MethodPolicy;
import io.skein.governance.fallback.Fallback;
import io.skein.governance.internal.Futures;
import io.skein.governance.retry.RetryChannel;
import io.skein.transport.supervision.ActorOwner;
import io.skein.governance.timeout.ReceiveTimeout;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientCallContext;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's client channel with the full governance chain, outermost first:
 * fallback (per method) → service breaker (caller, service, method) and RPC timeout → user
 * middleware → retry and backup requests → the channel below (a {@link BalancedChannel} with the
 * instance breakers under it). Built by {@link ClientGovernance}.
 *
 * <p>Per call the chain does map lookups and volatile reads: policies are an immutable
 * {@link ClientPolicies} swapped by {@link #reconfigure}, breakers and budgets publish their state
 * for the call path to read and hear outcomes through lock-free counters.
 *
 * <p>The channel's policy actors (service and instance breakers, retry budgets, the client
 * concurrency limiter) are children of one {@link ActorOwner}, {@code /system/skein-client-<service>-<n>},
 * which supervises them; {@link #closeAsync} stops it, and with it all of them, in one step.
 */
public final class GovernedChannel implements ClientChannel {

    private static final Logger log = LoggerFactory.getLogger(GovernedChannel.class);

    private final ActorOwner owner;
    private final String caller;
    private final ClientChannel inner;
    private final RetryChannel retry;
    private final BalancedChannel balanced;
    private final InstanceBreakers instanceBreakers;
    private final Map<String, Fallback<?, ?>> fallbacks;
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private volatile ClientPolicies policies;
    private final io.skein.transport.observe.CallObserver observer;

    GovernedChannel(ActorOwner owner, String caller, ClientPolicies policies, ClientMiddleware user,
            ClientChannel below, BalancedChannel balanced, InstanceBreakers instanceBreakers,
            Map<String, Fallback<?, ?>> fallbacks) {
        this.owner = owner;
        this.observer = io.skein.transport.observe.CallObservers.of(owner.system());
        this.caller = caller;
        this.policies = policies;
        this.balanced = balanced;
        this.instanceBreakers = instanceBreakers;
        this.fallbacks = Map.copyOf(fallbacks);
        this.retry = RetryChannel.create(owner, below, m -> this.policies.method(m.methodName()).retry());
        this.inner = user.wrap(retry);
    }

    /** The observer installed for the channel's actor system: logical calls are observed at this entry. */
    @Override
    public io.skein.transport.observe.CallObserver observer() {
        return observer;
    }

    /** The service this channel calls. */
    public String service() {
        return policies.service();
    }

    /** The policies in force. */
    public ClientPolicies policies() {
        return policies;
    }

    /** The owner of this channel's policy actors (their supervisor; for diagnostics). */
    public ActorOwner owner() {
        return owner;
    }

    /** The balancer below the chain, or {@code null} when the chain wraps a given channel. */
    public BalancedChannel balancer() {
        return balanced;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <Req, Resp> CompletionStage<Resp> unary(MethodDescriptor<Req, Resp> method, Req request,
                                                   ClientCallContext context) {
        requireNonNull(method, "method");
        requireNonNull(context, "context");
        MethodPolicy policy = policies.method(method.methodName());
        CompletionStage<Resp> call = guarded(method, request, context, policy);
        Fallback<Req, Resp> fallback = (Fallback<Req, Resp>) fallbacks.get(method.methodName());
        return fallback == null ? call : fallback.apply(request, call);
    }

    private <Req, Resp> CompletionStage<Resp> guarded(MethodDescriptor<Req, Resp> method, Req request,
            ClientCallContext context, MethodPolicy policy) {
        CircuitBreaker breaker = breaker(method, policy);
        CircuitBreaker.Permit permit = null;
        if (breaker != null) {
            try {
                permit = breaker.acquire();
            } catch (RuntimeException open) {
                return CompletableFuture.failedFuture(open);
            }
        }
        // The per-call timeout wins; otherwise the method's, then the client's (resolved in the policy),
        // counted from when the call was made.
        if (!context.hasDeadline() && policy.timeout() != null) {
            context.limitTimeout(policy.timeout());
        }
        CompletionStage<Resp> call;
        try {
            call = inner.unary(method, request, context);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        if (breaker == null) {
            return call;
        }
        CircuitBreaker.Permit admitted = permit;
        return Futures.observe(call, (v, f) -> breaker.record(admitted, f));
    }

    @Override
    public <Req, Resp> Flow<Req, Resp, NotUsed> stream(MethodDescriptor<Req, Resp> method, CallOptions options) {
        requireNonNull(method, "method");
        requireNonNull(options, "options");
        MethodPolicy policy = policies.method(method.methodName());
        Flow<Req, Resp, NotUsed> call = inner.stream(method, options);
        if (policy.receiveTimeout() != null) {
            call = call.via(ReceiveTimeout.flow(policy.receiveTimeout()));
        }
        CircuitBreaker breaker = breaker(method, policy);
        if (breaker == null) {
            return call;
        }
        Flow<Req, Resp, NotUsed> timed = call;
        return CircuitBreakers.guard(breaker, () -> timed);
    }

    private CircuitBreaker breaker(MethodDescriptor<?, ?> method, MethodPolicy policy) {
        CircuitBreaker b = breakers.get(method.fullName());
        if (b == null) {
            if (!policy.breaker().enabled()) {
                return null; // no actor for a method whose breaker is off
            }
            b = breakers.computeIfAbsent(method.fullName(),
                    name -> CircuitBreaker.create(owner, caller + "->" + name, policy.breaker()));
        }
        return b;
    }

    /** Re-reads the policies of this service from {@code root} (a config reload); calls in flight keep theirs. */
    public void reconfigure(Config root) {
        update(ClientPolicies.fromConfig(requireNonNull(root, "root"), service()));
    }

    /**
     * Puts {@code newPolicies} in force: the next call reads them; breaker and budget actors get
     * their new settings as messages. The load balancer strategy is fixed when the channel is built.
     */
    public void update(ClientPolicies newPolicies) {
        requireNonNull(newPolicies, "newPolicies");
        if (!newPolicies.service().equals(service())) {
            throw new IllegalArgumentException("policies of " + newPolicies.service() + " for " + service());
        }
        policies = newPolicies;
        breakers.forEach((fullName, b) -> b.update(newPolicies.method(fullName.substring(fullName.indexOf('/') + 1))
                .breaker()));
        if (instanceBreakers != null) {
            instanceBreakers.update(newPolicies.instanceBreaker());
        }
        log.info("client policies of {} updated", service());
    }

    /** Every policy's state and counts now. */
    public GovernanceStats stats() {
        List<BreakerStats> service = new ArrayList<>();
        breakers.values().forEach(b -> service.add(b.stats()));
        service.sort(Comparator.comparing(BreakerStats::name));
        return new GovernanceStats(service(), service,
                instanceBreakers == null ? List.of() : instanceBreakers.stats(), retry.stats());
    }

    /**
     * Closes the channel below (through the user middleware and retry) and stops the owner, which
     * stops every policy actor of this channel; completes when both are done.
     */
    @Override
    public CompletionStage<Done> closeAsync() {
        GovernedChannels.closed(owner.system(), this);
        breakers.clear();
        CompletionStage<Done> below = inner.closeAsync();
        return below.thenCombine(owner.closeAsync(), (channels, actors) -> Done.getInstance());
    }
}
