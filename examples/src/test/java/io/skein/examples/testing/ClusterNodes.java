package io.skein.examples.testing;

import com.typesafe.config.ConfigFactory;
import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.UnaryMethod;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.echo.EchoService;
import io.skein.protocols.Status;
import io.skein.runtime.SkeinNode;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Clustered Echo nodes in this JVM: separate actor systems on loopback, RPC and Artery on port 0,
 * joined through seed nodes (the first node joins itself). Failure detection and the split-brain
 * resolver are tightened so that a crashed node is unreachable within about 2 s and downed about 2 s
 * later, not 3 s and 20 s as by default; management is off (these tests look at the registry itself).
 */
public final class ClusterNodes {

    /** The Echo service's full name and its cluster target. */
    public static final String ECHO = "skein.examples.echo.Echo";
    public static final String ECHO_TARGET = "cluster://" + ECHO;

    /** Bound for membership changes (join, convergence, failure detection plus downing). */
    public static final Duration MEMBERSHIP = Duration.ofSeconds(30);

    private static final String BASE = TestNodes.LOOPBACK
            + "pekko.loglevel = WARNING\n"
            + "pekko.remote.artery.canonical { hostname = \"127.0.0.1\", port = 0 }\n"
            + "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on\n"
            + "pekko.cluster.failure-detector { heartbeat-interval = 500ms, acceptable-heartbeat-pause = 1500ms }\n"
            + "pekko.cluster.split-brain-resolver.stable-after = 2s\n"
            + "skein.cluster { enabled = on, management = off, shutdown.propagation-delay = 1s }\n";

    private ClusterNodes() {
    }

    /** The first node: forms the cluster by joining itself. */
    public static SkeinNode first(String extra) {
        return SkeinNode.builder()
                .config(ConfigFactory.parseString(BASE + "skein.cluster.join = self\n" + extra))
                .service(info -> EchoService.definition(info::nodeId))
                .start();
    }

    /** A further Echo node joining through {@code seed}. */
    public static SkeinNode joining(SkeinNode seed, String extra) {
        return SkeinNode.builder()
                .config(ConfigFactory.parseString(BASE + seeds(seed) + extra))
                .service(info -> EchoService.definition(info::nodeId))
                .start();
    }

    /** A member with role client (no server) joining through {@code seed}. */
    public static SkeinNode client(SkeinNode seed) {
        return client(seed, "");
    }

    /** A member with role client (no server) joining through {@code seed}, with {@code extra} config. */
    public static SkeinNode client(SkeinNode seed, String extra) {
        return SkeinNode.builder()
                .config(ConfigFactory.parseString(BASE + seeds(seed) + extra))
                .client()
                .start();
    }

    private static String seeds(SkeinNode seed) {
        return "skein.cluster.join = seed-nodes\npekko.cluster.seed-nodes = [\"" + address(seed) + "\"]\n";
    }

    /** The members {@code node} knows of. */
    public static List<org.apache.pekko.cluster.Member> members(SkeinNode node) {
        return java.util.stream.StreamSupport.stream(Cluster.get(node.system()).state().getMembers().spliterator(), false)
                .toList();
    }

    /** A node's cluster address. */
    public static Address address(SkeinNode node) {
        return Cluster.get(node.system()).selfMember().address();
    }

    /** Waits (bounded) until {@code node} sees exactly {@code nodeIds} as Echo's instances. */
    public static void awaitInstances(SkeinNode node, List<String> nodeIds) {
        Await.until(MEMBERSHIP, () -> node.registry().instances(ECHO).snapshot().stream()
                        .map(i -> i.nodeId()).sorted().toList().equals(nodeIds.stream().sorted().toList()),
                () -> node.nodeId() + " to see Echo on " + nodeIds + " (sees "
                        + node.registry().instances(ECHO).snapshot() + ")");
    }

    /** The RPC address of a node as its entries advertise it. */
    public static String id(SkeinNode node) {
        InetSocketAddress a = node.address();
        return a.getHostString() + ":" + a.getPort();
    }

    /**
     * Closed-loop unary load: {@code workers} callers, each with one Say in flight at a time, until
     * stopped. Counts replies by serving node and failures by status.
     */
    public static final class Load {
        private final UnaryMethod<EchoRequest, EchoReply> say;
        private final EchoRequest request;
        private final CallOptions options = CallOptions.timeout(Duration.ofSeconds(10));
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final AtomicInteger running = new AtomicInteger();
        public final Map<String, AtomicInteger> servedBy = new ConcurrentHashMap<>();
        public final List<Status> failures = new CopyOnWriteArrayList<>();
        /** Nanos when each node last served a call. */
        public final Map<String, Long> lastServed = new ConcurrentHashMap<>();

        public Load(ServiceClient echo, int delayMs) {
            this.say = echo.unary("Say", EchoRequest.class, EchoReply.class);
            this.request = EchoRequest.newBuilder().setMessage("load").setDelayMs(delayMs).build();
        }

        public Load start(int workers) {
            for (int i = 0; i < workers; i++) {
                running.incrementAndGet();
                next();
            }
            return this;
        }

        private void next() {
            if (stopped.get()) {
                running.decrementAndGet();
                return;
            }
            say.call(request, options).whenComplete((reply, failure) -> {
                if (failure != null) {
                    failures.add(Status.fromThrowable(failure));
                } else {
                    servedBy.computeIfAbsent(reply.getServedBy(), k -> new AtomicInteger()).incrementAndGet();
                    lastServed.put(reply.getServedBy(), System.nanoTime());
                }
                next();
            });
        }

        public int served(String nodeId) {
            AtomicInteger n = servedBy.get(nodeId);
            return n == null ? 0 : n.get();
        }

        public int total() {
            return servedBy.values().stream().mapToInt(AtomicInteger::get).sum();
        }

        /** Stops and waits (bounded) for the calls in flight. */
        public void stop() {
            stopped.set(true);
            Await.until(Duration.ofSeconds(20), () -> running.get() == 0, () -> "load to stop");
        }
    }
}
