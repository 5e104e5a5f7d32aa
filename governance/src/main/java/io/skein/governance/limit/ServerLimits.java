package io.skein.governance.limit;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A server's limits ({@code skein.server.limits}): connections, the limits of all calls together, and
 * limits per method ({@code package.Service/Method}). A call must pass its method's limits and the
 * server's.
 *
 * @param maxConnections connections open at most; 0 = unlimited
 * @param server         limits over every call of the server
 * @param methods        limits per method, by full name
 */
public record ServerLimits(int maxConnections, LimitSettings server, Map<String, LimitSettings> methods) {

    /** Nothing limited. */
    public static final ServerLimits UNLIMITED = new ServerLimits(0, LimitSettings.UNLIMITED, Map.of());

    public ServerLimits {
        requireNonNull(server, "server");
        methods = Map.copyOf(requireNonNull(methods, "methods"));
        if (maxConnections < 0) {
            throw new IllegalArgumentException("max-connections must be >= 0 (0 = unlimited): " + maxConnections);
        }
        methods.keySet().forEach(m -> {
            if (m.indexOf('/') < 1) {
                throw new IllegalArgumentException("method limits are keyed by package.Service/Method, not '" + m + "'");
            }
        });
    }

    /**
     * Reads a {@code skein.server.limits} block. Method blocks take unset keys as unlimited; their
     * {@code adaptive} block falls back to the server's adaptive tuning, switched off unless the method
     * enables it.
     */
    public static ServerLimits fromConfig(Config limits) {
        requireNonNull(limits, "limits");
        LimitSettings server = LimitSettings.fromConfig(limits);
        Map<String, LimitSettings> methods = new HashMap<>();
        if (limits.hasPath("methods")) {
            Config all = limits.getConfig("methods");
            Config methodDefaults = ConfigFactory.empty();
            if (limits.hasPath("adaptive")) {
                methodDefaults = limits.getConfig("adaptive").withValue("enabled",
                        com.typesafe.config.ConfigValueFactory.fromAnyRef(false)).atKey("adaptive");
            }
            for (String method : all.root().keySet()) {
                Config block = all.getConfig(ConfigUtil.joinPath(method)).withFallback(methodDefaults);
                methods.put(method, LimitSettings.fromConfig(block));
            }
        }
        return new ServerLimits(limits.hasPath("max-connections") ? limits.getInt("max-connections") : 0, server,
                methods);
    }

    /** A copy with another connection limit. */
    public ServerLimits withMaxConnections(int max) {
        return new ServerLimits(max, server, methods);
    }

    /** A copy with other server-wide limits. */
    public ServerLimits withServer(LimitSettings settings) {
        return new ServerLimits(maxConnections, settings, methods);
    }

    /** A copy with {@code method}'s limits set ({@link LimitSettings#UNLIMITED} keeps it counted, unlimited). */
    public ServerLimits withMethod(String method, LimitSettings settings) {
        Map<String, LimitSettings> copy = new HashMap<>(methods);
        copy.put(requireNonNull(method, "method"), requireNonNull(settings, "settings"));
        return new ServerLimits(maxConnections, server, copy);
    }

    /** A copy without limits for {@code method}. */
    public ServerLimits withoutMethod(String method) {
        Map<String, LimitSettings> copy = new HashMap<>(methods);
        copy.remove(method);
        return new ServerLimits(maxConnections, server, copy);
    }

    @Override
    public String toString() {
        return "ServerLimits{max-connections=" + (maxConnections == 0 ? "unlimited" : maxConnections) + ", server="
                + server + (methods.isEmpty() ? "" : ", methods=" + new TreeMap<>(methods)) + '}';
    }
}
