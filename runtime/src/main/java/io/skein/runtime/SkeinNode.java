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
import io.skein.runtime.health.HealthService;
import io.skein.runtime.health.v1.HealthCheckResponse.ServingStatus;
import io.skein.runtime.observability.NodeObservability;
import io.skein.runtime.reflection.ReflectionService;
import io.skein.transport.observe.CallObservers;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodRegistry;
import io.skein.transport.ServerMethod;
import io.skein.transport.ServerOptions;
import io.skein.transport.ServerQueueStats;
import io.skein.transport.RpcServer;
import io.skein.shm.ShmServer;
import io.skein.transport.tls.TlsSettings;
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
    private final String host;
    private final List<String> services;
    private final ClusterRegistry registry;
    private final CompletableFuture<Done> published;
    private final ServerLimiter limits;
    private final ActorOwner owner;
    private ShmServer shmServer;
    private final NodeObservability observability;
    private final HealthService health;

    private SkeinNode(ActorSystem<Void> system, RpcServer server, ActorOwner owner, ServerLimiter limits,
                      String nodeId, String host, List<String> services, ClusterRegistry registry,
                      CompletableFuture<Done> published, NodeObservability observability, HealthService health) {
        this.system = system;
        this.observability = observability;
        this.health = health;
        this.server = server;
        this.owner = owner;
        this.limits = limits;
        this.nodeId = nodeId;
        this.host = host;
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

    /**
     * Where this node's observability endpoint answers ({@code GET /metrics} for Prometheus,
     * {@code GET /health}), when {@code skein.observability.http} runs one.
     */
    public java.util.Optional<InetSocketAddress> metricsAddress() {
        return observability.httpAddress();
    }

    /** The node's observability (Kamon, its call observer, its endpoint). */
    public NodeObservability observability() {
        return observability;
    }

    /**
     * The node's {@code grpc.health.v1.Health} statuses: every service {@code SERVING} once the node is
     * ready, {@code NOT_SERVING} from the start of its graceful shutdown; a client member has none.
     */
    public HealthService health() {
        if (health == null) {
            throw new IllegalStateException("a client member serves nothing and has no health service");
        }
        return health;
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

    /**
     * The {@code skein://} target of this node, with a host callers can dial: for a node bound to a
     * wildcard address (the default {@code 0.0.0.0}), the advertised host in a cluster, else loopback.
     */
    public String target() {
        return Targets.format("skein", host, address().getPort());
    }

    /**
     * The host this node is reached at: {@code skein.server.host} when it names one interface; for a
     * wildcard bind, {@code skein.cluster.advertise-host} or the cluster address's host when clustered,
     * loopback otherwise. Node ids are built from it.
     */
    public String host() {
        return host;
    }

    /**
     * The {@code shm://} target of this node's shared-memory server ({@code skein.server.shm.enabled}),
     * or empty when it serves on its TCP port only.
     */
    public java.util.Optional<String> shmTarget() {
        return java.util.Optional.ofNullable(shmServer).map(ShmServer::target);
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
        private final List<io.skein.transport.ServerInterceptor> interceptors = new ArrayList<>();
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
        /**
         * Adds server middleware every call passes before its request is decoded, after the
         * authentication and authorization of {@code skein.security} (so the principal is known).
         */
        public Builder interceptor(io.skein.transport.ServerInterceptor interceptor) {
            interceptors.add(requireNonNull(interceptor, "interceptor"));
            return this;
        }

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
                cfg = io.skein.runtime.cluster.internal.ClusterTls.overlay(ClusterJoin.overlay(cfg, clientRole));
            }
            ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), name, cfg);
            ShmTargets.install();
            NodeObservability observability = null;
            try {
                // Before any channel of this system exists, so all of them are observed.
                observability = NodeObservability.start(system, cfg);
                CallObservers.install(system, observability.observer());
                system.getWhenTerminated().thenRun(observability::close);
                if (!clusterSettings.enabled()) {
                    return start(system, cfg, observability);
                }
                ClusterTargets.install();
                ClusterRegistry registry = ClusterRegistry.get(system);
                SkeinNode node = clientRole ? startClient(system, registry, observability)
                        : start(system, cfg, observability);
                ClusterJoin.join(system, clusterSettings);
                return node;
            } catch (RuntimeException e) {
                system.terminate();
                if (observability != null) {
                    observability.close();
                }
                throw e;
            }
        }

        /**
         * The schemes a node's entry names: as configured in plaintext; only their TLS forms
         * ({@code skeins}, {@code grpcs}) when the port requires TLS, so that {@code cluster://} callers
         * connect with TLS; both when TLS is optional.
         */
        static java.util.Set<String> publishedProtocols(java.util.Set<String> configured, TlsSettings.Mode mode) {
            if (mode == TlsSettings.Mode.OFF) {
                return configured;
            }
            java.util.Set<String> out = new java.util.TreeSet<>(mode == TlsSettings.Mode.OPTIONAL ? configured : java.util.Set.of());
            for (String p : configured) {
                if (p.equals("skein") || p.equals("grpc")) {
                    out.add(p + "s");
                } else if (mode == TlsSettings.Mode.REQUIRED && !p.endsWith("s")) {
                    log.warn("skein.cluster.protocols names {}, which a port that requires TLS does not serve in plaintext", p);
                } else {
                    out.add(p);
                }
            }
            return out;
        }

        private SkeinNode startClient(ActorSystem<Void> system, ClusterRegistry registry,
                                      NodeObservability observability) {
            CompletableFuture<Done> ready = new CompletableFuture<>();
            org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system)).registerOnMemberUp(() -> {
                registry.publishNothing();
                ready.complete(Done.getInstance());
            });
            CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "skein-withdraw",
                    () -> registry.withdraw().thenApply(had -> Done.getInstance()));
            org.apache.pekko.actor.Address self = org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system))
                    .selfAddress();
            String id = self.toString();
            observability.watch(null, registry);
            log.info("client member {} started{}", id, endpoint(observability));
            return new SkeinNode(system, null, null, null, id, self.getHost().orElse("127.0.0.1"), List.of(),
                    registry, ready, observability, null);
        }

        private static String endpoint(NodeObservability observability) {
            return observability.httpAddress().map(a -> "; metrics on http://" + hostPort(a) + "/metrics").orElse("");
        }

        private static String hostPort(InetSocketAddress a) {
            String host = a.getAddress() != null && a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getHostString();
            return host + ":" + a.getPort();
        }

        private SkeinNode start(ActorSystem<Void> system, Config cfg, NodeObservability observability) {
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
                List<com.google.protobuf.Descriptors.ServiceDescriptor> described = new ArrayList<>(
                        definitions.stream().map(ServiceDefinition::descriptor).toList());
                if (definitions.stream().noneMatch(d -> d.name().equals(HealthService.NAME))) {
                    described.add(HealthService.DESCRIPTOR); // served by every node, so described too
                }
                ReflectionService reflectionService = ReflectionService.of(described);
                for (ServiceDefinition<?> r : reflectionService.definitions()) {
                    // A node given its own reflection implementation keeps it.
                    if (definitions.stream().noneMatch(d -> d.name().equals(r.name()))) {
                        toBind.add(r);
                    }
                }
            }
            HealthService health = new HealthService(
                    definitions.stream().map(ServiceDefinition::name).toList(), ServingStatus.NOT_SERVING);
            if (definitions.stream().noneMatch(d -> d.name().equals(HealthService.NAME))) {
                toBind.add(health.definition());
            }
            observability.health(health);
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
            ServerOptions serverOptions;
            try {
                limiter = ServerLimiter.fromConfig(owner);
                ServerOptions.Builder options = ServerOptions.builder().admission(limiter).owner(owner)
                        .observer(observability.observer());
                io.skein.governance.security.SecurityInterceptor security =
                        io.skein.governance.security.SecurityInterceptor.fromConfig(cfg);
                if (security != null) {
                    options.interceptor(security);
                }
                interceptors.forEach(options::interceptor);
                serverOptions = options.build();
                skeinServer = RpcServer.start(system, bindTo, MethodRegistry.of(methods), serverOptions)
                        .toCompletableFuture().join();
            } catch (RuntimeException e) {
                owner.close();
                throw e;
            }
            InetSocketAddress bound = skeinServer.localAddress();
            ShmServer shmServer = null;
            if (server.getBoolean("shm.enabled")) {
                String configured = server.getString("shm.path");
                java.nio.file.Path shmPath = configured.isEmpty()
                        ? java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "skein-" + bound.getPort() + ".sock")
                        : java.nio.file.Path.of(configured);
                try {
                    // The same limits, interceptors (authentication) and observer as the TCP port.
                    shmServer = ShmServer.start(system, shmPath, MethodRegistry.of(methods), serverOptions)
                            .toCompletableFuture().join();
                } catch (RuntimeException e) {
                    skeinServer.shutdown(Duration.ZERO);
                    owner.close();
                    throw new IllegalStateException("cannot serve over shared memory on " + shmPath + ": "
                            + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
                }
            }
            String configuredId = server.getString("node-id");
            // A wildcard bind is reached through loopback locally; in a cluster through the advertised host.
            String host = !clusterSettings.advertiseHost().isEmpty() ? clusterSettings.advertiseHost()
                    : bound.getAddress().isAnyLocalAddress() ? "127.0.0.1" : bound.getHostString();
            Instance self = null;
            if (clusterSettings.enabled()) {
                // In a cluster the id must be unique and the address reachable from other nodes: the
                // advertised address, not a loopback stand-in for a wildcard bind.
                String advertisedHost = !clusterSettings.advertiseHost().isEmpty() ? clusterSettings.advertiseHost()
                        : !bound.getAddress().isAnyLocalAddress() ? bound.getHostString()
                        : org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system)).selfAddress().getHost()
                                .orElse(host);
                int advertisedPort = clusterSettings.advertisePort() > 0 ? clusterSettings.advertisePort() : bound.getPort();
                host = advertisedHost;
                info.nodeId = configuredId.isEmpty() ? advertisedHost + ":" + advertisedPort : configuredId;
                java.util.Map<String, String> tags = new java.util.HashMap<>(clusterSettings.tags());
                if (shmServer != null) {
                    tags.put(ShmTargets.PATH_TAG, shmServer.path().toAbsolutePath().toString());
                    tags.put(ShmTargets.HOST_TAG, ShmTargets.hostId());
                }
                self = new Instance(info.nodeId, advertisedHost, advertisedPort,
                        publishedProtocols(clusterSettings.protocols(), TlsSettings.Server.fromConfig(cfg).mode()),
                        clusterSettings.weight(), tags);
            } else {
                info.nodeId = configuredId.isEmpty() ? host + ":" + bound.getPort() : configuredId;
            }
            Duration exitWait = server.getDuration("exit-wait");
            ClusterRegistry registry = clusterSettings.enabled() ? ClusterRegistry.get(system) : null;
            if (registry != null) {
                Duration delay = clusterSettings.propagationDelay();
                CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "skein-withdraw",
                        () -> withdrawn(health, registry).thenCompose(had -> {
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
            ShmServer shm = shmServer;
            CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "skein-drain", () -> {
                health.drain(); // NOT_SERVING before any call is refused; Watch streams end
                long began = System.nanoTime();
                return skeinServer.load().exceptionally(e -> new io.skein.transport.internal.connection.ServerActor
                        .Load(-1, -1, -1, -1)).thenCompose(load -> {
                            log.info("node {} draining: refusing new calls; {} connections, {} calls in flight,"
                                    + " waiting up to {}", info.nodeId, load.connections(), load.activeCalls(),
                                    exitWait);
                            // The limits stay in force through the drain; then the owner stops them with its
                            // subtree, whatever the drain's outcome (which is the task's).
                            CompletableFuture<Done> tcp = skeinServer.shutdown(exitWait).toCompletableFuture();
                            CompletableFuture<Done> drained = shm == null ? tcp
                                    : shm.shutdown(exitWait).toCompletableFuture()
                                            .thenCombine(tcp, (a, b) -> Done.getInstance());
                            return drained.handle((d, e) -> {
                                log.info("node {} stopped serving: drained {} calls in flight on {} connections in"
                                        + " {} ms{}", info.nodeId, load.activeCalls(), load.connections(),
                                        (System.nanoTime() - began) / 1_000_000,
                                        e == null ? "" : " (" + e + ")");
                                return owner.closeAsync();
                            }).thenCompose(closed -> closed).thenCompose(closed -> drained);
                        });
            });
            observability.watch(limiter, registry);
            log.info("node {} serving {} on {} (protocols skein, grpc){}{}", info.nodeId, names, hostPort(bound),
                    shmServer == null ? "" : " and over shared memory on " + shmServer.path(),
                    endpoint(observability));
            CompletableFuture<Done> ready = new CompletableFuture<>();
            if (registry == null) {
                health.setAll(ServingStatus.SERVING);
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
                                health.setAll(ServingStatus.SERVING);
                                ready.complete(Done.getInstance());
                            }
                        }));
            }
            SkeinNode node = new SkeinNode(system, skeinServer, owner, limiter, info.nodeId, host,
                    List.copyOf(names), registry, ready, observability, health);
            node.shmServer = shmServer;
            return node;
        }
    }

    /** Marks every service NOT_SERVING (as /ready turns not ready), then withdraws the registry entries. */
    private static CompletionStage<Boolean> withdrawn(HealthService health, ClusterRegistry registry) {
        health.drain();
        return registry.withdraw();
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
