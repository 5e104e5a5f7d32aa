package io.skein.governance.chain;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.skein.governance.balancer.BalancedChannel;
import io.skein.governance.balancer.LoadBalancer;
import io.skein.governance.balancer.LoadBalancers;
import io.skein.governance.breaker.InstanceBreakers;
import io.skein.governance.config.ClientPolicies;
import io.skein.governance.discovery.InstanceSource;
import io.skein.governance.fallback.Fallback;
import io.skein.governance.limit.ClientConcurrencyLimit;
import io.skein.transport.supervision.ActorOwner;
import io.skein.transport.ClientChannel;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Builds a service's governed client channel in Kitex's order:
 *
 * <pre>
 *   fallback (per method)
 *     → service circuit breaker (caller, service, method) + RPC timeout
 *       → user middleware ({@link #builder builder}.use(...), first added outermost)
 *         → retry / backup requests (with the retry budget)
 *           → client concurrency limit ({@code concurrency-limit}; each attempt holds a place)
 *             → balancer ({@code load-balancer} from config) → instance breaker → instance channel
 * </pre>
 *
 * From configuration alone:
 *
 * <pre>{@code
 * GovernedChannel echo = ClientGovernance.builder(system, "skein.examples.echo.Echo")
 *         .instances(source)              // the service's live instances
 *         .build();                       // policies from system config: skein.client.services."..."
 * }</pre>
 *
 * Each built channel gets its own {@link ActorOwner} ({@code /system/skein-client-<service>-<n>}), the
 * parent and supervisor of every policy actor the channel creates; closing the channel stops it.
 */
public final class ClientGovernance {

    private ClientGovernance() {
    }

    /** A builder for {@code service} ({@code package.Service}), reading policies from the system's config by default. */
    public static Builder builder(ActorSystem<?> system, String service) {
        return new Builder(requireNonNull(system, "system"), requireNonNull(service, "service"));
    }

    /**
     * Collects the chain's parts; {@link #build()} starts only the channel's owner actor, the policy
     * actors start on the first call that needs them.
     */
    public static final class Builder {
        private final ActorSystem<?> system;
        private final String service;
        private Config config;
        private ClientPolicies policies;
        private String caller;
        private ClientMiddleware user = ClientMiddleware.identity();
        private final Map<String, Fallback<?, ?>> fallbacks = new HashMap<>();
        private InstanceSource instances;
        private LoadBalancer balancer;
        private Consumer<BalancedChannel.Builder> balancerSetup = b -> { };
        private ClientChannel channel;

        private Builder(ActorSystem<?> system, String service) {
            this.system = system;
            this.service = service;
        }

        /** The configuration to read policies from; default the actor system's. */
        public Builder config(Config root) {
            this.config = requireNonNull(root, "root");
            return this;
        }

        /** Policies given directly (instead of reading configuration). */
        public Builder policies(ClientPolicies policies) {
            this.policies = requireNonNull(policies, "policies");
            return this;
        }

        /** The caller's name in service breaker scopes ({@code caller->pkg.Svc/Method}); default the actor system's name. */
        public Builder caller(String caller) {
            this.caller = requireNonNull(caller, "caller");
            return this;
        }

        /** Adds user middleware inside the service breaker and timeout, outside retry; first added is outermost. */
        public Builder use(ClientMiddleware middleware) {
            requireNonNull(middleware, "middleware");
            this.user = user.andThen(middleware);
            return this;
        }

        /** The fallback of method {@code method} ({@code Say}); outermost, so it also answers breaker rejections. */
        public <Req, Resp> Builder fallback(String method, Fallback<Req, Resp> fallback) {
            fallbacks.put(requireNonNull(method, "method"), requireNonNull(fallback, "fallback"));
            return this;
        }

        /** Calls go to {@code source}'s instances through a {@link BalancedChannel} with instance breakers. */
        public Builder instances(InstanceSource source) {
            this.instances = requireNonNull(source, "source");
            return this;
        }

        /** The balancing strategy; default {@code LoadBalancers.create(load-balancer, service settings)}. */
        public Builder balancer(LoadBalancer balancer) {
            this.balancer = requireNonNull(balancer, "balancer");
            return this;
        }

        /** Further settings of the {@link BalancedChannel} (protocol, opener, retire delay). */
        public Builder balancedChannel(Consumer<BalancedChannel.Builder> setup) {
            this.balancerSetup = requireNonNull(setup, "setup");
            return this;
        }

        /** Wraps {@code channel} (one endpoint, or a balancer built elsewhere) instead of building a balancer. */
        public Builder channel(ClientChannel channel) {
            this.channel = requireNonNull(channel, "channel");
            return this;
        }

        public GovernedChannel build() {
            if ((instances == null) == (channel == null)) {
                throw new IllegalStateException("give exactly one of instances(source) or channel(channel)");
            }
            ClientPolicies p = policies != null ? policies
                    : ClientPolicies.fromConfig(config != null ? config : system.settings().config(), service);
            ActorOwner owner = ActorOwner.create(system, "skein-client-" + service);
            try {
                return build(owner, p);
            } catch (RuntimeException e) {
                owner.close();
                throw e;
            }
        }

        private GovernedChannel build(ActorOwner owner, ClientPolicies p) {
            ClientChannel below = channel;
            BalancedChannel balanced = null;
            InstanceBreakers instanceBreakers = null;
            if (instances != null) {
                if (!instances.service().equals(service)) {
                    throw new IllegalArgumentException("instances of " + instances.service() + " for " + service);
                }
                instanceBreakers = InstanceBreakers.create(owner, service, p.instanceBreaker());
                BalancedChannel.Builder b = BalancedChannel.builder(system, instances)
                        .balancer(balancer != null ? balancer : LoadBalancers.create(p.loadBalancer(), p.settings()))
                        .perInstance(instanceBreakers.middleware())
                        .eligibility(instanceBreakers.eligibility());
                balancerSetup.accept(b);
                balanced = b.build();
                below = balanced;
            }
            int limit = p.settings().getInt("concurrency-limit");
            if (limit > 0) {
                // Its actor stops with the owner; the wrapper forwards closeAsync to the channel below.
                below = ClientConcurrencyLimit.create(owner, service, limit).wrap(below);
            }
            GovernedChannel channel = new GovernedChannel(owner, caller != null ? caller : system.name(), p, user,
                    below, balanced, instanceBreakers, fallbacks);
            GovernedChannels.opened(system, channel);
            return channel;
        }
    }
}
