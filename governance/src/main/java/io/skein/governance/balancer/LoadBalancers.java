package io.skein.governance.balancer;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.util.Map;
import java.util.function.Function;

/**
 * The built-in balancers by configured name ({@code skein.client...load-balancer}). One place that
 * maps names to strategies, so configuration and code agree.
 */
public final class LoadBalancers {

    private static final Map<String, Function<Config, LoadBalancer>> BY_NAME = Map.of(
            "round-robin", config -> new RoundRobinBalancer());

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
}
