package io.skein.runtime.cli;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.governance.discovery.InstanceSource;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.runtime.SkeinNode;
import io.skein.runtime.cluster.ClusterSettings;
import io.skein.runtime.cluster.MemberInfo;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.Cancellable;

/**
 * The command line as a cluster member: {@code call cluster://...} and {@code members} join the
 * cluster the configuration describes as a member with role {@code client} (no server, no entries,
 * never forming a cluster of its own), do their work and leave again.
 */
public final class ClusterClient {

    /** Options of {@code members}. */
    public static final java.util.Set<String> MEMBERS_OPTIONS = java.util.Set.of("config", "timeout");

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

    /**
     * {@code members}: prints one line per member (address, status, reachability, roles, node id and
     * the services it serves), after waiting (at most {@code wait}) until every serving member's
     * entry has reached this one.
     */
    public static int members(SkeinNode node, Duration wait, PrintStream out) {
        // Entries arrive by gossip a moment after joining: check the local view until it is complete.
        CompletableFuture<Void> complete = new CompletableFuture<>();
        Cancellable check = node.system().scheduler().scheduleAtFixedRate(Duration.ZERO, Duration.ofMillis(100), () -> {
            if (complete(node.registry().members())) {
                complete.complete(null);
            }
        }, node.system().executionContext());
        try {
            complete.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // print what is known: some member has not published (yet)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        } finally {
            check.cancel();
        }
        node.registry().members().stream().sorted(Comparator.comparing(m -> m.address().toString()))
                .forEach(out::println);
        out.flush();
        return 0;
    }

    /** Whether every Up member that is not a client has published its entry. */
    private static boolean complete(List<MemberInfo> members) {
        return members.stream().filter(m -> m.status().equals("Up") && !m.roles().contains(ClusterSettings.CLIENT_ROLE))
                .allMatch(m -> !m.nodeId().isEmpty());
    }
}
