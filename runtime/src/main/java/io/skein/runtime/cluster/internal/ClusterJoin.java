package io.skein.runtime.cluster.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.skein.runtime.cluster.ClusterSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turning a node's configuration into a cluster member: the config overlay before start, the join after. */
public final class ClusterJoin {

    private static final Logger log = LoggerFactory.getLogger(ClusterJoin.class);

    /** The bound of pekko-management's start (binding its HTTP port) when a node starts. */
    private static final Duration MANAGEMENT_START = Duration.ofSeconds(30);

    /** The downing provider of a Skein cluster unless configured otherwise. */
    public static final String SPLIT_BRAIN_RESOLVER = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider";

    private ClusterJoin() {
    }

    /** {@code config} with the cluster provider, and with role {@code client} added when {@code client}. */
    public static Config overlay(Config config, boolean client) {
        Config result = ConfigFactory.parseString("pekko.actor.provider = cluster").withFallback(config);
        // Pekko's own reference.conf sets no downing provider; which reference.conf wins depends on the
        // class path order (and on how a fat jar concatenated them), so the default is applied here.
        if (config.getString("pekko.cluster.downing-provider-class").isEmpty()) {
            result = result.withValue("pekko.cluster.downing-provider-class",
                    ConfigValueFactory.fromAnyRef(SPLIT_BRAIN_RESOLVER));
        }
        if (client) {
            List<String> roles = new ArrayList<>(config.getStringList("pekko.cluster.roles"));
            if (!roles.contains(ClusterSettings.CLIENT_ROLE)) {
                roles.add(ClusterSettings.CLIENT_ROLE);
            }
            result = result.withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(roles));
        }
        return result;
    }

    /**
     * Starts management (when configured; blocks until its port is bound) and joins as
     * {@code skein.cluster.join} says.
     *
     * @throws IllegalStateException when management cannot bind its port (naming it) or does not start
     */
    public static void join(ActorSystem<?> system, ClusterSettings settings) {
        org.apache.pekko.actor.ActorSystem classic = Adapter.toClassic(system);
        if (settings.management() || settings.join() == ClusterSettings.Join.BOOTSTRAP) {
            // Bootstrap probes contact points through pekko-http client pools; closed before the actor
            // system stops, a pool is not torn down under a request ("Pool shutdown unexpectedly").
            CoordinatedShutdown.get(classic).addTask(CoordinatedShutdown.PhaseServiceStop(), "skein-http-pools",
                    () -> Http.get(classic).shutdownAllConnectionPools().thenApply(done -> Done.getInstance()));
            // Started before joining, and a failure (its port in use) fails the node's start: a node
            // without its management endpoint would never bootstrap nor report ready.
            Config http = classic.settings().config().getConfig("pekko.management.http");
            String bindPort = http.getString("bind-port");
            String where = "port " + (bindPort.isEmpty() ? http.getString("port") : bindPort);
            try {
                PekkoManagement management = PekkoManagement.get(classic);
                // Over HTTPS from the node's key material when cluster TLS is on.
                Object uri = (ClusterTls.enabled(system.settings().config())
                        ? management.start(routes -> routes.withHttpsConnectionContext(ClusterTls.managementHttps(system)))
                        : management.start()).toCompletableFuture()
                        .get(MANAGEMENT_START.toMillis(), TimeUnit.MILLISECONDS);
                log.info("pekko-management on {}", uri);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                throw new IllegalStateException("pekko-management cannot listen on " + where
                        + " (pekko.management.http.port): " + cause.getMessage(), cause);
            } catch (TimeoutException e) {
                throw new IllegalStateException("pekko-management did not start on " + where + " within "
                        + MANAGEMENT_START.toSeconds() + " s", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while pekko-management started", e);
            }
        }
        Cluster cluster = Cluster.get(system);
        switch (settings.join()) {
            case BOOTSTRAP -> ClusterBootstrap.get(classic).start();
            case SELF -> cluster.manager().tell(Join.create(cluster.selfMember().address()));
            case SEED_NODES, MANUAL -> {
                // SEED_NODES: Pekko joins pekko.cluster.seed-nodes by itself; MANUAL: the application joins.
            }
        }
    }
}
