package io.skein.runtime.cluster;

import io.skein.actors.client.Targets;
import java.net.URI;

/**
 * The {@code cluster://package.Service} target: the service's governed client chain
 * ({@link io.skein.governance.chain.ClientGovernance}: breakers, timeouts, retry, the configured balancer,
 * weighted round robin by default) over the service's live instances in the {@link ClusterRegistry} of the actor system the channel is
 * opened in (a clustered node, possibly a {@code client} member). {@code ?protocol=grpc} reaches the
 * instances over gRPC instead of {@code skein.cluster.client.protocol}.
 */
public final class ClusterTargets {

    /** The scheme. */
    public static final String SCHEME = "cluster";

    private ClusterTargets() {
    }

    /** Registers the scheme with {@link Targets}; idempotent. {@code SkeinNode} does it for clustered nodes. */
    public static void install() {
        Targets.register(SCHEME, (system, uri) -> ClusterRegistry.get(system).channel(service(uri), protocol(uri)));
    }

    /** The service a {@code cluster://} URI names. */
    static String service(URI uri) {
        String service = uri.getAuthority();
        if (service == null || service.isEmpty()) {
            throw new IllegalArgumentException("a cluster target names a service: cluster://package.Service, got " + uri);
        }
        return service;
    }

    private static String protocol(URI uri) {
        String query = uri.getQuery();
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("protocol=")) {
                return pair.substring("protocol=".length());
            }
        }
        throw new IllegalArgumentException("unknown parameter in " + uri + "; known: protocol");
    }
}
