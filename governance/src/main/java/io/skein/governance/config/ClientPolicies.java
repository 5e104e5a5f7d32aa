package io.skein.governance.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import io.skein.governance.breaker.BreakerSettings;
import io.skein.governance.internal.ConfigValues;
import io.skein.governance.retry.BackupPolicy;
import io.skein.governance.retry.RetryChannel;
import io.skein.governance.retry.RetryPolicy;
import java.util.HashMap;
import java.util.Map;

/**
 * The client policies of one service, read from HOCON:
 *
 * <pre>
 * skein.client.defaults { timeout, receive-timeout, idempotent, retry {..}, backup {..},
 *                         circuit-breaker {..}, instance-breaker {..}, load-balancer }
 * skein.client.services."pkg.Svc" { ...any of those..., methods.Say { ...per-method overrides... } }
 * </pre>
 *
 * A method's policy is its {@code methods.<Name>} block over the service block over the defaults,
 * merged key by key (a method may override only {@code retry.max-retries}). Everything is parsed and
 * checked when this is built, so a bad reload fails before anything changes. Immutable: a reload
 * builds a new instance.
 */
public final class ClientPolicies {

    /** Where the defaults of every service live. */
    public static final String DEFAULTS_PATH = "skein.client.defaults";
    /** Where per-service blocks live. */
    public static final String SERVICES_PATH = "skein.client.services";

    private final String service;
    private final Config settings;
    private final MethodPolicy anyMethod;
    private final Map<String, MethodPolicy> methods;
    private final BreakerSettings instanceBreaker;
    private final String loadBalancer;

    private ClientPolicies(String service, Config root) {
        this.service = service;
        Config full = root.withFallback(ConfigFactory.defaultReference());
        Config defaults = full.getConfig(DEFAULTS_PATH);
        String servicePath = ConfigUtil.joinPath("skein", "client", "services", service);
        Config own = full.hasPath(servicePath) ? full.getConfig(servicePath) : ConfigFactory.empty();
        this.settings = own.withoutPath("methods").withFallback(defaults);
        this.anyMethod = method("*", settings);
        Map<String, MethodPolicy> byName = new HashMap<>();
        if (own.hasPath("methods")) {
            Config methodBlocks = own.getConfig("methods");
            for (String name : methodBlocks.root().keySet()) {
                byName.put(name, method(name, methodBlocks.getConfig(ConfigUtil.joinPath(name)).withFallback(settings)));
            }
        }
        this.methods = Map.copyOf(byName);
        this.instanceBreaker = BreakerSettings.fromConfig(settings.getConfig("instance-breaker"));
        this.loadBalancer = settings.getString("load-balancer");
    }

    /** The policies of {@code service} in {@code root} (a full config, e.g. the actor system's). */
    public static ClientPolicies fromConfig(Config root, String service) {
        requireNonNull(root, "root");
        requireNonNull(service, "service");
        try {
            return new ClientPolicies(service, root);
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(SERVICES_PATH + "." + service, e.getMessage(), e);
        }
    }

    /** The defaults of {@code reference.conf} for {@code service}. */
    public static ClientPolicies defaults(String service) {
        return fromConfig(ConfigFactory.empty(), service);
    }

    private static MethodPolicy method(String name, Config c) {
        RetryChannel.Plan plan = new RetryChannel.Plan(RetryPolicy.fromConfig(c.getConfig("retry")),
                BackupPolicy.fromConfig(c.getConfig("backup")), c.getBoolean("idempotent"));
        return new MethodPolicy(name, ConfigValues.optionalDuration(c, "timeout"),
                ConfigValues.optionalDuration(c, "receive-timeout"), plan,
                BreakerSettings.fromConfig(c.getConfig("circuit-breaker")));
    }

    /** The service's full name. */
    public String service() {
        return service;
    }

    /** The policy of method {@code name} ({@code Say}); methods without a block share one. */
    public MethodPolicy method(String name) {
        MethodPolicy p = methods.get(name);
        return p != null ? p : anyMethod;
    }

    /** The instance-level breaker settings of the service. */
    public BreakerSettings instanceBreaker() {
        return instanceBreaker;
    }

    /** The configured load balancer's name. */
    public String loadBalancer() {
        return loadBalancer;
    }

    /** The service's merged block (service over defaults, without methods): balancers read their keys here. */
    public Config settings() {
        return settings;
    }
}
