package io.skein.runtime.cli;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.governance.discovery.InstanceSource;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.runtime.SkeinNode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The command line as a cluster member: {@code call cluster://...} joins the cluster the configuration
 * describes as a member with role {@code client} (no server, no entries, never forming a cluster of its
 * own), makes its calls and leaves again. ({@code members} joins nothing: {@link ManagementMembers}.)
 */
public final class ClusterClient {

    /** How long to wait for the cluster when no {@code --timeout} is given. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

    private ClusterClient() {
    }

    /**
     * {@code config} (the node's file, with {@code skein.cluster} and pekko-management's bootstrap
     * settings) adjusted for a short-lived client: cluster on, Artery and management on free ports,
     * and bootstrap that joins an existing cluster but never forms one.
     */
    public static Config clientConfig(Config config) {
        return ConfigFactory.parseString(String.join("\n",
                        "skein.cluster.enabled = on",
                        "pekko.remote.artery.canonical.port = 0",
                        "pekko.management.http.port = 0",
                        "pekko.management.http.bind-port = 0",
                        "pekko.management.cluster.bootstrap.new-cluster-enabled = off"))
                .withFallback(requireNonNull(config, "config"));
    }

    /**
     * Starts a {@code client} member and waits until it is Up; the member is shut down again when it
     * does not get there within {@code wait}.
     *
     * @throws io.skein.protocols.StatusException {@code UNAVAILABLE} when it did not join in time
     */
    public static SkeinNode join(Config config, Duration wait) {
        SkeinNode node = SkeinNode.builder().config(clientConfig(config)).client().start();
        try {
            node.whenReady().toCompletableFuture().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return node;
        } catch (TimeoutException e) {
            node.close();
            throw Status.of(StatusCode.UNAVAILABLE, "did not join the cluster within " + wait.toMillis()
                    + " ms (are the contact points in the configuration running?)").asException();
        } catch (Exception e) {
            node.close();
            throw Status.of(StatusCode.UNAVAILABLE, "could not join the cluster: " + e).asException();
        }
    }

    /**
     * Waits until {@code service} has at least one instance as {@code node} sees it.
     *
     * @throws io.skein.protocols.StatusException {@code UNAVAILABLE} when none appeared within {@code wait}
     */
    public static void awaitInstances(SkeinNode node, String service, Duration wait) {
        InstanceSource source = node.registry().instances(service);
        CompletableFuture<Void> some = new CompletableFuture<>();
        try (AutoCloseable subscription = source.subscribe(list -> {
            if (!list.isEmpty()) {
                some.complete(null);
            }
        })) {
            some.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw Status.of(StatusCode.UNAVAILABLE, "no instance of " + service + " in the cluster within "
                    + wait.toMillis() + " ms").asException();
        } catch (Exception e) {
            throw Status.of(StatusCode.UNAVAILABLE, "waiting for " + service + " failed: " + e).asException();
        }
    }
}
