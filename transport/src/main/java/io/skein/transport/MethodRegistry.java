package io.skein.transport;

import static java.util.Objects.requireNonNull;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The methods one server serves, looked up by {@code package.Service/Method}; a Kitex peer may name
 * the service without its package ({@code Service/Method}) or not at all ({@code Method}), which
 * resolve when unambiguous.
 * Immutable once built.
 */
public final class MethodRegistry {

    private final Map<String, ServerMethod<?, ?>> byFullName;
    private final Map<String, ServerMethod<?, ?>> byBareName;

    private MethodRegistry(Collection<ServerMethod<?, ?>> methods) {
        Map<String, ServerMethod<?, ?>> full = new HashMap<>();
        Map<String, ServerMethod<?, ?>> bare = new HashMap<>();
        Map<String, Integer> bareCount = new HashMap<>();
        for (ServerMethod<?, ?> m : methods) {
            if (full.put(m.descriptor().fullName(), m) != null) {
                throw new IllegalArgumentException("method registered twice: " + m.descriptor().fullName());
            }
            String service = m.descriptor().serviceName();
            String simpleService = service.substring(service.lastIndexOf('.') + 1);
            for (String alias : new String[] {m.descriptor().methodName(), simpleService + "/" + m.descriptor().methodName()}) {
                bare.put(alias, m);
                bareCount.merge(alias, 1, Integer::sum);
            }
        }
        bareCount.forEach((name, count) -> {
            if (count > 1) {
                bare.remove(name);
            }
        });
        this.byFullName = Map.copyOf(full);
        this.byBareName = Map.copyOf(bare);
    }

    /** A registry of the given methods. */
    public static MethodRegistry of(Collection<? extends ServerMethod<?, ?>> methods) {
        return new MethodRegistry(List.copyOf(requireNonNull(methods, "methods")));
    }

    /** The method for a wire name, or {@code null} when this server does not serve it. */
    public ServerMethod<?, ?> lookup(String name) {
        ServerMethod<?, ?> m = byFullName.get(name);
        return m != null ? m : byBareName.get(name);
    }

    /** Every served method. */
    public Collection<ServerMethod<?, ?>> methods() {
        return byFullName.values();
    }
}
