package io.skein.runtime.cluster;

import static java.util.Objects.requireNonNull;

import io.skein.governance.balancer.BalancedChannel;
import io.skein.governance.chain.ClientGovernance;
import io.skein.governance.chain.GovernedChannel;
import io.skein.governance.discovery.Instance;
import io.skein.governance.discovery.InstanceSource;
import io.skein.governance.discovery.StaticInstanceSource;
import io.skein.runtime.cluster.internal.EntryNames;
import io.skein.runtime.cluster.internal.ListingWatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service registry of a clustered node, built on cluster membership: each serving node registers
 * one entry per service with Pekko's typed {@link Receptionist}; every member can watch a service's
 * live instances as an {@link InstanceSource} and call them through a {@link BalancedChannel}
 * ({@code cluster://package.Service} targets, see {@link ClusterTargets}).
 *
 * <p>Entries carry node id, RPC host and port, protocols, weight and tags ({@code skein.cluster.*}).
 * A node's entries disappear when it withdraws them (graceful shutdown), as soon as it becomes
 * unreachable (listings exclude unreachable nodes), and for good when it is downed or leaves (the
 * Receptionist drops entries of removed members).
 *
 * <pre>{@code
 * ClusterRegistry registry = ClusterRegistry.get(node.system());
 * registry.instances("skein.examples.echo.Echo").subscribe(list -> log.info("Echo now on {}", list));
 * }</pre>
 */
public final class ClusterRegistry implements Extension {

    private static final Logger log = LoggerFactory.getLogger(ClusterRegistry.class);
    private static final ServiceKey<Object> NODES = ServiceKey.create(Object.class, "skein.node");
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
    private static final AtomicInteger WATCHERS = new AtomicInteger();

    private enum State { STARTING, READY, WITHDRAWN }

    private final ActorSystem<?> system;
    private final Cluster cluster;
    private final ClusterSettings settings;
    private final Map<String, StaticInstanceSource> sources = new ConcurrentHashMap<>();
    private final List<Registration> published = new ArrayList<>();
    private volatile Map<Address, EntryNames.NodeEntry> nodes = Map.of();
    private volatile State state = State.STARTING;

    private record Registration(ServiceKey<Object> key, ActorRef<Object> ref) {
    }

    private ClusterRegistry(ActorSystem<?> system) {
        this.system = system;
        try {
            this.cluster = Cluster.get(system);
        } catch (RuntimeException e) {
            throw new IllegalStateException("the cluster registry needs a clustered actor system "
                    + "(skein.cluster.enabled = on, pekko.actor.provider = cluster): " + e.getMessage(), e);
        }
        this.settings = ClusterSettings.from(system.settings().config());
        system.systemActorOf(ListingWatcher.create(NODES, true, this::onNodes), "skein-registry-nodes", Props.empty());
    }

    /** The registry of {@code system} (a clustered actor system). */
    public static ClusterRegistry get(ActorSystem<?> system) {
        return Id.INSTANCE.apply(requireNonNull(system, "system"));
    }

    private static final class Id extends ExtensionId<ClusterRegistry> {
        static final Id INSTANCE = new Id();

        @Override
        public ClusterRegistry createExtension(ActorSystem<?> system) {
            return new ClusterRegistry(system);
        }
    }

    /** This node's {@code skein.cluster} settings. */
    public ClusterSettings settings() {
        return settings;
    }

    /** The Receptionist key of {@code service}'s entries. */
    static ServiceKey<Object> key(String service) {
        return ServiceKey.create(Object.class, "skein.service:" + service);
    }

    /**
     * The live, reachable instances of {@code service} (full name {@code package.Service}), sorted by
     * node id. One subscription per service and node, shared by every caller.
     */
    public InstanceSource instances(String service) {
        requireNonNull(service, "service");
        return sources.computeIfAbsent(service, s -> {
            StaticInstanceSource source = StaticInstanceSource.of(s, List.of());
            system.systemActorOf(ListingWatcher.create(key(s), false, refs -> onInstances(source, refs)),
                    "skein-registry-watch-" + WATCHERS.incrementAndGet(), Props.empty());
            return source;
        });
    }

    private void onInstances(StaticInstanceSource source, Set<ActorRef<Object>> refs) {
        List<Instance> list = new ArrayList<>();
        for (ActorRef<Object> ref : refs) {
            Instance instance = EntryNames.instance(ref.path().name());
            if (instance != null) {
                list.add(instance);
            }
        }
        list.sort(Comparator.comparing(Instance::nodeId));
        log.debug("registry: {} on {}", source.service(), list);
        source.update(list);
    }

    private void onNodes(Set<ActorRef<Object>> refs) {
        Map<Address, EntryNames.NodeEntry> byAddress = new HashMap<>();
        for (ActorRef<Object> ref : refs) {
            EntryNames.NodeEntry entry = EntryNames.nodeEntry(ref.path().name());
            if (entry != null) {
                Address address = ref.path().address();
                byAddress.put(address.hasLocalScope() ? cluster.selfMember().address() : address, entry);
            }
        }
        nodes = Map.copyOf(byAddress);
    }

    /**
     * A governed channel over {@code service}'s instances: the client governance chain of
     * {@code skein.client.services."<service>"} (breakers, timeouts, retry, the configured balancer with
     * instance breakers) over a {@link BalancedChannel} configured from {@code skein.cluster.client};
     * {@code protocol} overrides the configured scheme when not null.
     */
    public GovernedChannel channel(String service, String protocol) {
        return ClientGovernance.builder(system, service)
                .instances(instances(service))
                .balancedChannel(b -> preferShm(b.protocol(protocol != null ? protocol : settings.clientProtocol()),
                                protocol != null ? protocol : settings.clientProtocol())
                        .retireAfter(settings.retireAfter())
                        .transparentRetries(settings.transparentRetries()))
                .build();
    }

    /** Instances on this host that serve over shared memory are reached there (skein.cluster.client.prefer-shm). */
    private io.skein.governance.balancer.BalancedChannel.Builder preferShm(
            io.skein.governance.balancer.BalancedChannel.Builder b, String protocol) {
        return system.settings().config().getBoolean("skein.cluster.client.prefer-shm")
                ? b.opener(io.skein.runtime.ShmTargets.opener(system, protocol)) : b;
    }

    /** The members as this node sees them now, with the services each published, by address. */
    public List<MemberInfo> members() {
        Set<Member> unreachable = cluster.state().getUnreachable();
        Map<Address, EntryNames.NodeEntry> known = nodes;
        List<MemberInfo> members = new ArrayList<>();
        for (Member m : cluster.state().getMembers()) {
            EntryNames.NodeEntry entry = known.get(m.address());
            members.add(new MemberInfo(m.address(), m.status().toString(), m.getRoles(), !unreachable.contains(m),
                    entry == null ? "" : entry.nodeId(), entry == null ? List.of() : entry.services()));
        }
        return members;
    }

    /**
     * Publishes {@code self} as an instance of each of {@code services} (and a node entry naming them);
     * completes once the local Receptionist took every registration. {@code SkeinNode} calls this when
     * the member is Up and its server is bound.
     */
    public synchronized CompletionStage<Done> publish(Instance self, List<String> services) {
        requireNonNull(self, "self");
        requireNonNull(services, "services");
        if (state != State.STARTING) {
            throw new IllegalStateException("entries can be published once, before withdrawal (now " + state + ")");
        }
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (String service : services) {
            acks.add(register(key(service), EntryNames.service(service, self)));
        }
        acks.add(register(NODES, EntryNames.node(self.nodeId(), services)));
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).thenApply(v -> {
            synchronized (this) {
                if (state == State.STARTING) {
                    state = State.READY;
                    log.info("registry: node {} published {} as {}", self.nodeId(), services, self);
                }
            }
            return Done.getInstance();
        });
    }

    /** Marks a member that serves nothing (role {@code client}) ready; it publishes no entries. */
    public synchronized void publishNothing() {
        if (state == State.STARTING) {
            state = State.READY;
        }
    }

    private CompletableFuture<?> register(ServiceKey<Object> key, String name) {
        ActorRef<Object> ref = system.systemActorOf(Behaviors.ignore(), name, Props.empty());
        published.add(new Registration(key, ref));
        return AskPattern.<Receptionist.Command, Receptionist.Registered>ask(system.receptionist(),
                replyTo -> Receptionist.register(key, ref, replyTo), ASK_TIMEOUT, system.scheduler())
                .toCompletableFuture();
    }

    /**
     * Withdraws every service entry of this node (the node entry stays, so {@code members} still shows
     * what it served while it drains) and reports not ready from now on; completes once the local
     * Receptionist removed them. Other members learn of it through gossip, a moment later.
     *
     * @return whether there was anything to withdraw (a serving node that had published), once done
     */
    public synchronized CompletionStage<Boolean> withdraw() {
        boolean had = state == State.READY && !published.isEmpty();
        state = State.WITHDRAWN;
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (Registration r : published) {
            if (!r.key.equals(NODES)) {
                acks.add(AskPattern.<Receptionist.Command, Receptionist.Deregistered>ask(system.receptionist(),
                        replyTo -> Receptionist.deregister(r.key, r.ref, replyTo), ASK_TIMEOUT, system.scheduler())
                        .toCompletableFuture());
            }
        }
        published.removeIf(r -> !r.key.equals(NODES));
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).thenApply(v -> had);
    }

    /** Whether this node is ready for traffic: entries published and not withdrawn (see {@link SkeinReadinessCheck}). */
    public boolean isReady() {
        return state == State.READY;
    }
}
