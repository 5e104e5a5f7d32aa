package io.skein.governance.balancer;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import java.util.Map;
import java.util.function.Function;

/**
 * The built-in balancers by configured name ({@code skein.client...load-balancer}). One place that
 * maps names to strategies, so configuration and code agree.
 */
public final class LoadBalancers {

    /** The default strategy's name. */
    public static final String DEFAULT = "weighted-round-robin";

    private static final Map<String, Function<Config, LoadBalancer>> BY_NAME = Map.of(
            "round-robin", config -> new RoundRobinBalancer(),
            "weighted-round-robin", config -> new WeightedRoundRobinBalancer(),
            "weighted-random", config -> new WeightedRandomBalancer(),
            "p2c", config -> new PowerOfTwoChoicesBalancer(),
            "consistent-hash", config -> new ConsistentHashBalancer(
                    config.hasPath("key") ? config.getString("key") : ConsistentHashBalancer.DEFAULT_KEY,
                    config.hasPath("virtual-nodes") ? config.getInt("virtual-nodes")
                            : ConsistentHashBalancer.DEFAULT_VIRTUAL_NODES));

    private LoadBalancers() {
    }

    /**
     * The balancer called {@code name}, configured from {@code settings} (the block holding the
     * balancer's own keys, e.g. {@code consistent-hash { key, virtual-nodes }}).
     */
    public static LoadBalancer create(String name, Config settings) {
        requireNonNull(name, "name");
        requireNonNull(settings, "settings");
        Function<Config, LoadBalancer> factory = BY_NAME.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("unknown load balancer '" + name + "'; known: " + BY_NAME.keySet());
        }
        return factory.apply(settings);
    }

    /**
     * The balancer a client block names: {@code load-balancer} (default {@value #DEFAULT}) configured
     * from the block under that name, e.g. {@code skein.client.defaults} with
     * {@code load-balancer = consistent-hash} and {@code consistent-hash { key, virtual-nodes }}.
     */
    public static LoadBalancer fromConfig(Config block) {
        requireNonNull(block, "block");
        String name = block.hasPath("load-balancer") ? block.getString("load-balancer") : DEFAULT;
        Config settings = block.hasPath(ConfigUtil.joinPath(name)) && block.getValue(ConfigUtil.joinPath(name))
                .valueType() == com.typesafe.config.ConfigValueType.OBJECT
                ? block.getConfig(ConfigUtil.joinPath(name)) : ConfigFactory.empty();
        return create(name, settings);
    }

    /** The names {@link #create} knows. */
    public static java.util.Set<String> names() {
        return BY_NAME.keySet();
    }
}
