package io.skein.runtime;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Descriptors;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.actors.BoundService;
import io.skein.actors.ServiceDefinition;
import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.Targets;
import io.skein.governance.discovery.Instance;
import io.skein.governance.limit.ServerLimiter;
import io.skein.transport.supervision.ActorOwner;
import io.skein.runtime.cluster.ClusterRegistry;
import io.skein.runtime.cluster.ClusterSettings;
import io.skein.runtime.cluster.ClusterTargets;
import io.skein.runtime.cluster.internal.ClusterJoin;
import io.skein.runtime.reflection.ReflectionService;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodRegistry;
import io.skein.transport.ServerMethod;
import io.skein.transport.ServerOptions;
import io.skein.transport.ServerQueueStats;
import io.skein.transport.RpcServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.Patterns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Skein node: an actor system serving a set of services on one port, with graceful shutdown
 * through Pekko's {@link CoordinatedShutdown} (so SIGTERM drains calls in flight).
 *
 * <p>With {@code skein.cluster.enabled = on} the node is a Pekko Cluster member (Artery TCP) that
 * joins as {@code skein.cluster.join} says (ClusterBootstrap by default), publishes one
 * {@link ClusterRegistry} entry per service once it is Up and bound, and can call any service of the
 * cluster through {@code cluster://package.Service}. Its graceful shutdown then withdraws the entries
 * first, keeps serving for {@code skein.cluster.shutdown.propagation-delay}, refuses new calls and
 * drains the ones in flight ({@code skein.server.exit-wait}), closes connections and leaves the
 * cluster. A member with role {@code client} ({@link Builder#client()}) serves nothing.
 *
 * <p>A serving node's infrastructure actors live under one {@link ActorOwner},
 * {@code /system/skein-node-<n>} ({@link #owner()}): its server's actor and connection actors
 * ({@code server-<n>}) and its server limits ({@code server-limits-<n>} and their limiters). The owner
 * supervises them and is stopped, with its whole subtree, once the drain is over (or if the server
 * fails to start).
 *
 * <pre>{@code
 * SkeinNode node = SkeinNode.builder()
 *         .config(ConfigFactory.load())
 *         .service(nodeId -> EchoService.definition(nodeId))
 *         .start();
 * System.out.println("listening on " + node.address());
 * }</pre>
 */
public final class SkeinNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SkeinNode.class);

    private final ActorSystem<Void> system;
    private final RpcServer server;
    private final String nodeId;
    private final List<String> services;
    private final ClusterRegistry registry;
    private final CompletableFuture<Done> published;
    private final ServerLimiter limits;
    private final ActorOwner owner;

    private SkeinNode(ActorSystem<Void> system, RpcServer server, ActorOwner owner, ServerLimiter limits,
                      String nodeId, List<String> services, ClusterRegistry registry,
                      CompletableFuture<Done> published) {
        this.system = system;
        this.server = server;
        this.owner = owner;
        this.limits = limits;
        this.nodeId = nodeId;
        this.services = services;
        this.registry = registry;
        this.published = published;
    }

    public static Builder builder() {
        return new Builder();
    }

    public ActorSystem<Void> system() {
        return system;
    }

    /** The RPC listener's address; a {@code client} member has none. */
    public InetSocketAddress address() {
        if (server == null) {
            throw new IllegalStateException("a client member serves nothing and has no RPC address");
        }
        return server.localAddress();
    }

    /**
     * The server limits in force ({@code skein.server.limits}): their counts, and changes at run time
     * ({@link ServerLimiter#update}, {@link ServerLimiter#reload}); a client member has none.
     */
    public ServerLimiter limits() {
        if (limits == null) {
            throw new IllegalStateException("a client member serves nothing and has no server limits");
        }
        return limits;
    }

    /**
     * The bounded queues inside this node's server ({@code skein.transport.server-queues}): the calls
     * waiting for each service, the peaks a connection's write queue and an event loop's backlog reached,
     * and the calls each bound refused; read now, without a message. A client member has none.
     */
    public ServerQueueStats queues() {
        if (server == null) {
            throw new IllegalStateException("a client member serves nothing and has no server queues");
        }
        return server.queues();
    }

    /**
     * The owner of this node's infrastructure actors ({@code /system/skein-node-<n>}); a client member
     * has none.
     */
    public ActorOwner owner() {
        if (owner == null) {
            throw new IllegalStateException("a client member serves nothing and owns no server actors");
        }
        return owner;
    }

    /** Whether this node is a cluster member ({@code skein.cluster.enabled}). */
    public boolean clustered() {
        return registry != null;
    }

    /** Whether this node is a cluster member with role {@code client}: it calls, and serves nothing. */
    public boolean isClient() {
        return registry != null && server == null;
    }

    /** The cluster's service registry as this node sees it. */
    public ClusterRegistry registry() {
        if (registry == null) {
            throw new IllegalStateException("node " + nodeId + " is not clustered (skein.cluster.enabled = off)");
        }
        return registry;
    }

    /**
     * Completes once this node is ready for traffic: a clustered node when its member is Up and its
     * entries are published (a client member: when Up); a standalone node at once.
     */
    public CompletionStage<Done> whenReady() {
        return published;
    }

    /** This node's id ({@code skein.server.node-id}, or host:port of the listener). */
    public String nodeId() {
        return nodeId;
    }

    /**
     * Full names of the services this node was built with (the gRPC reflection services it also serves
     * by default are not listed here; see {@link Builder#reflection(boolean)}).
     */
    public List<String> services() {
        return services;
    }

    /** The {@code skein://} target of this node, for clients in the same process. */
    public String target() {
        return "skein://" + address().getHostString() + ":" + address().getPort();
    }

    /** A channel from this node's actor system to {@code target}. */
    public ClientChannel channel(String target) {
        return Targets.open(system, target);
    }

    /** A typed client of {@code service} at {@code target}. */
    public ServiceClient client(String target, Descriptors.ServiceDescriptor service) {
        return ServiceClient.create(system, channel(target), service);
    }

    /** Shuts the node down gracefully (drain, then terminate); completes when the system has terminated. */
    public CompletionStage<Done> shutdown() {
        return CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason());
    }

    @Override
    public void close() {
        shutdown().toCompletableFuture().join();
    }

    /** Builds and starts a {@link SkeinNode}. */
    public static final class Builder {
        private Config config;
        private final List<Function<NodeInfo, ServiceDefinition<?>>> services = new ArrayList<>();
        private String name = "skein";
        private boolean reflection = true;
        private boolean client;

        private Builder() {
        }

        /**
         * A cluster member that only calls: role {@code client}, no RPC server, no entries, but a
         * registry to call {@code cluster://} targets through. Implies {@code skein.cluster.enabled}.
         */
        public Builder client() {
            this.client = true;
            return this;
        }

        /**
         * Whether the node also serves gRPC server reflection ({@code grpc.reflection.v1alpha} and
         * {@code v1} {@code ServerReflection}) describing its services; default {@code true}.
         */
        public Builder reflection(boolean enabled) {
            this.reflection = enabled;
            return this;
        }

        /** The configuration (Pekko and {@code skein} keys); default {@code ConfigFactory.load()}. */
        public Builder config(Config config) {
            this.config = requireNonNull(config, "config");
            return this;
        }

        /** The actor system's name; default {@code skein}. */
        public Builder name(String name) {
            this.name = requireNonNull(name, "name");
            return this;
        }

        /** A service to serve. */
        public Builder service(ServiceDefinition<?> service) {
            requireNonNull(service, "service");
            services.add(info -> service);
            return this;
        }

        /** A service that needs to know the node it runs on (its id is known only once bound). */
        public Builder service(Function<NodeInfo, ServiceDefinition<?>> service) {
            services.add(requireNonNull(service, "service"));
            return this;
        }

        /** Starts the actor system, binds the port and serves; blocks until bound. */
        public SkeinNode start() {
            Config cfg = (config == null ? ConfigFactory.load() : config.withFallback(ConfigFactory.load())).resolve();
            if (client) {
                cfg = ConfigFactory.parseString("skein.cluster.enabled = on").withFallback(cfg);
            }
            ClusterSettings clusterSettings = ClusterSettings.from(cfg);
            boolean clientRole = client || clusterSettings.enabled()
                    && cfg.getStringList("pekko.cluster.roles").contains(ClusterSettings.CLIENT_ROLE);
            if (clusterSettings.enabled()) {
                cfg = ClusterJoin.overlay(cfg, clientRole);
            }
            ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), name, cfg);
            try {
                if (!clusterSettings.enabled()) {
                    return start(system, cfg);
                }
                ClusterTargets.install();
                ClusterRegistry registry = ClusterRegistry.get(system);
                SkeinNode node = clientRole ? startClient(system, registry) : start(system, cfg);
                ClusterJoin.join(system, clusterSettings);
                return node;
            } catch (RuntimeException e) {
                system.terminate();
                throw e;
            }
        }

        private SkeinNode startClient(ActorSystem<Void> system, ClusterRegistry registry) {
            CompletableFuture<Done> ready = new CompletableFuture<>();
            org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system)).registerOnMemberUp(() -> {
                registry.publishNothing();
                ready.complete(Done.getInstance());
            });
            CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "skein-withdraw",
                    () -> registry.withdraw().thenApply(had -> Done.getInstance()));
            String id = org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system)).selfAddress().toString();
            log.info("client member {} started", id);
            return new SkeinNode(system, null, null, null, id, List.of(), registry, ready);
        }

        private SkeinNode start(ActorSystem<Void> system, Config cfg) {
            ClusterSettings clusterSettings = ClusterSettings.from(cfg);
            Config server = cfg.getConfig("skein.server");
            NodeInfo info = new NodeInfo();
            List<ServerMethod<?, ?>> methods = new ArrayList<>();
            List<String> names = new ArrayList<>();
            List<ServiceDefinition<?>> definitions = new ArrayList<>();
            for (Function<NodeInfo, ServiceDefinition<?>> factory : services) {
                definitions.add(factory.apply(info));
            }
            List<ServiceDefinition<?>> toBind = new ArrayList<>(definitions);
            if (reflection) {
                ReflectionService reflectionService = ReflectionService.of(
                        definitions.stream().map(ServiceDefinition::descriptor).toList());
                for (ServiceDefinition<?> r : reflectionService.definitions()) {
                    // A node given its own reflection implementation keeps it.
                    if (definitions.stream().noneMatch(d -> d.name().equals(r.name()))) {
                        toBind.add(r);
                    }
                }
            }
            for (ServiceDefinition<?> definition : toBind) {
                BoundService bound = definition.bind(system);
                methods.addAll(bound.methods());
                if (definitions.contains(definition)) {
                    names.add(bound.name());
                }
            }
            InetSocketAddress bindTo = new InetSocketAddress(server.getString("host"), server.getInt("port"));
            ActorOwner owner = ActorOwner.create(system, "skein-node");
            ServerLimiter limiter;
            RpcServer skeinServer;
            try {
                limiter = ServerLimiter.fromConfig(owner);
                skeinServer = RpcServer.start(system, bindTo, MethodRegistry.of(methods),
                        ServerOptions.builder().admission(limiter).owner(owner).build()).toCompletableFuture().join();
            } catch (RuntimeException e) {
                owner.close();
                throw e;
            }
            String configuredId = server.getString("node-id");
            InetSocketAddress bound = skeinServer.localAddress();
            String host = bound.getAddress().isAnyLocalAddress() ? "127.0.0.1" : bound.getHostString();
            Instance self = null;
            if (clusterSettings.enabled()) {
                // In a cluster the id must be unique and the address reachable from other nodes: the
                // advertised address, not a loopback stand-in for a wildcard bind.
                String advertisedHost = !clusterSettings.advertiseHost().isEmpty() ? clusterSettings.advertiseHost()
                        : !bound.getAddress().isAnyLocalAddress() ? bound.getHostString()
                        : org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system)).selfAddress().getHost()
                                .orElse(host);
                int advertisedPort = clusterSettings.advertisePort() > 0 ? clusterSettings.advertisePort() : bound.getPort();
                info.nodeId = configuredId.isEmpty() ? advertisedHost + ":" + advertisedPort : configuredId;
                self = new Instance(info.nodeId, advertisedHost, advertisedPort, clusterSettings.protocols(),
                        clusterSettings.weight(), clusterSettings.tags());
            } else {
                info.nodeId = configuredId.isEmpty() ? host + ":" + bound.getPort() : configuredId;
            }
            Duration exitWait = server.getDuration("exit-wait");
            ClusterRegistry registry = clusterSettings.enabled() ? ClusterRegistry.get(system) : null;
            if (registry != null) {
                Duration delay = clusterSettings.propagationDelay();
                CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "skein-withdraw",
                        () -> registry.withdraw().thenCompose(had -> {
                            if (!had || delay.isZero()) {
                                return CompletableFuture.completedFuture(Done.getInstance());
                            }
                            // Still serving: clients that have not heard of the withdrawal yet keep
                            // calling here until gossip reaches them.
                            log.info("node {} withdrew its entries; serving {} more while that propagates",
                                    info.nodeId, delay);
                            return Patterns.after(delay, system.classicSystem().scheduler(),
                                    system.executionContext(),
                                    () -> CompletableFuture.completedFuture(Done.getInstance()));
                        }));
            }
            CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "skein-drain", () -> {
                log.info("node {} draining: refusing new calls, waiting up to {} for calls in flight",
                        info.nodeId, exitWait);
                // The limits stay in force through the drain; then the owner stops them with its subtree,
                // whatever the drain's outcome (which is the task's).
                CompletableFuture<Done> drained = skeinServer.shutdown(exitWait).toCompletableFuture();
                return drained.handle((d, e) -> owner.closeAsync()).thenCompose(closed -> closed)
                        .thenCompose(closed -> drained);
            });
            log.info("node {} serving {} on {}", info.nodeId, names, bound);
            CompletableFuture<Done> ready = new CompletableFuture<>();
            if (registry == null) {
                ready.complete(Done.getInstance());
            } else {
                Instance entry = self;
                List<String> published = List.copyOf(names);
                // Published only once the member is Up (and the server, bound above, can take calls).
                org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system)).registerOnMemberUp(() ->
                        registry.publish(entry, published).whenComplete((d, err) -> {
                            if (err != null) {
                                log.error("node {} could not publish its entries: {}", entry.nodeId(), err.toString());
                                ready.completeExceptionally(err);
                            } else {
                                ready.complete(Done.getInstance());
                            }
                        }));
            }
            return new SkeinNode(system, skeinServer, owner, limiter, info.nodeId, List.copyOf(names), registry,
                    ready);
        }
    }

    /** What a service may know of its node; the id is set once the port is bound, before any call. */
    public static final class NodeInfo {
        private volatile String nodeId = "";

        /** The node's id (empty until the node is bound). */
        public String nodeId() {
            return nodeId;
        }
    }
}
