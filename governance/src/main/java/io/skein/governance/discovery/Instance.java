package io.skein.governance.discovery;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;

/**
 * One endpoint serving a service: the node it runs on, where it listens, the protocols it speaks
 * there, its weight for balancers and its tags (for instance {@code zone}, {@code version}).
 *
 * @param nodeId    the serving node's id, unique in the cluster
 * @param host      the RPC host
 * @param port      the RPC port
 * @param protocols target schemes the port answers ({@code skein}, {@code grpc}, {@code kitex}; over TLS
 *                  {@code skeins}, {@code grpcs}: a node that requires TLS publishes only those)
 * @param weight    relative share of calls for weighted balancers; at least 1
 * @param tags      free-form labels
 */
public record Instance(String nodeId, String host, int port, Set<String> protocols, int weight,
        Map<String, String> tags) {

    /** The protocols a Skein node answers on its one port. */
    public static final Set<String> SKEIN_PROTOCOLS = Set.of("skein", "grpc");

    public Instance {
        requireNonNull(nodeId, "nodeId");
        requireNonNull(host, "host");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        protocols = Set.copyOf(requireNonNull(protocols, "protocols"));
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("an instance speaks at least one protocol");
        }
        if (weight < 1) {
            throw new IllegalArgumentException("weight must be at least 1: " + weight);
        }
        tags = Map.copyOf(requireNonNull(tags, "tags"));
    }

    /** A Skein node's instance with weight 1 and no tags. */
    public static Instance of(String nodeId, String host, int port) {
        return new Instance(nodeId, host, port, SKEIN_PROTOCOLS, 1, Map.of());
    }

    /**
     * The client target for {@code protocol}, e.g. {@code skein://10.0.0.5:8080}; over TLS
     * ({@code skeins://}) when the instance speaks {@code protocol} only over TLS (its node requires TLS).
     */
    public String target(String protocol) {
        if (!protocols.contains(protocol) && protocols.contains(protocol + "s")) {
            return protocol + "s://" + host + ":" + port;
        }
        if (!protocols.contains(protocol)) {
            throw new IllegalArgumentException(nodeId + " does not speak " + protocol + " (speaks " + protocols + ")");
        }
        return protocol + "://" + host + ":" + port;
    }

    /** The RPC address (unresolved). */
    public InetSocketAddress address() {
        return InetSocketAddress.createUnresolved(host, port);
    }

    /** A copy with another weight. */
    public Instance withWeight(int weight) {
        return new Instance(nodeId, host, port, protocols, weight, tags);
    }

    @Override
    public String toString() {
        return nodeId + "@" + host + ":" + port + (weight == 1 ? "" : " w=" + weight) + (tags.isEmpty() ? "" : " " + tags);
    }
}
