package io.skein.runtime;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Descriptors;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.actors.BoundService;
import io.skein.actors.ServiceDefinition;
import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.Targets;
import io.skein.runtime.reflection.ReflectionService;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodRegistry;
import io.skein.transport.ServerMethod;
import io.skein.transport.SkeinServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Skein node: an actor system serving a set of services on one port, with graceful shutdown
 * through Pekko's {@link CoordinatedShutdown} (so SIGTERM drains calls in flight).
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
    private final SkeinServer server;
    private final String nodeId;
    private final List<String> services;

    private SkeinNode(ActorSystem<Void> system, SkeinServer server, String nodeId, List<String> services) {
        this.system = system;
        this.server = server;
        this.nodeId = nodeId;
        this.services = services;
    }

    public static Builder builder() {
        return new Builder();
    }

    public ActorSystem<Void> system() {
        return system;
    }

    /** The RPC listener's address. */
    public InetSocketAddress address() {
        return server.localAddress();
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

        private Builder() {
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
            ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), name, cfg);
            try {
                return start(system, cfg);
            } catch (RuntimeException e) {
                system.terminate();
                throw e;
            }
        }

        private SkeinNode start(ActorSystem<Void> system, Config cfg) {
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
            SkeinServer skeinServer = SkeinServer.start(system, bindTo, MethodRegistry.of(methods))
                    .toCompletableFuture().join();
            String configuredId = server.getString("node-id");
            InetSocketAddress bound = skeinServer.localAddress();
            String host = bound.getAddress().isAnyLocalAddress() ? "127.0.0.1" : bound.getHostString();
            info.nodeId = configuredId.isEmpty() ? host + ":" + bound.getPort() : configuredId;
            Duration exitWait = server.getDuration("exit-wait");
            CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "skein-drain", () -> {
                log.info("node {} draining: refusing new calls, waiting up to {} for calls in flight",
                        info.nodeId, exitWait);
                return skeinServer.shutdown(exitWait);
            });
            log.info("node {} serving {} on {}", info.nodeId, names, bound);
            return new SkeinNode(system, skeinServer, info.nodeId, List.copyOf(names));
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
