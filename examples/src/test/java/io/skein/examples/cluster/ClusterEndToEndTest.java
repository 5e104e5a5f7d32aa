package io.skein.examples.cluster;

import static io.skein.examples.testing.ClusterNodes.ECHO;
import static io.skein.examples.testing.ClusterNodes.ECHO_TARGET;
import static io.skein.examples.testing.ClusterNodes.MEMBERSHIP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.UnaryMethod;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.testing.ClusterNodes;
import io.skein.examples.testing.ClusterNodes.Load;
import io.skein.examples.testing.TestNodes;
import io.skein.governance.chain.GovernedChannel;
import io.skein.runtime.SkeinNode;
import io.skein.runtime.cluster.MemberInfo;
import io.skein.testing.Await;
import io.skein.testing.LeakDetectionExtension;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.MemberStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three clustered Echo nodes and a client member in one JVM (separate actor systems on loopback):
 * the registry converges, {@code cluster://} spreads calls over all three, a node leaving gracefully
 * under load fails no call, and a node whose actor system dies abruptly stops getting calls once the
 * failure detector and the split-brain resolver have done their work.
 */
@ExtendWith(LeakDetectionExtension.class)
class ClusterEndToEndTest {

    private static final Logger log = LoggerFactory.getLogger(ClusterEndToEndTest.class);

    private final List<SkeinNode> nodes = new ArrayList<>();
    private SkeinNode a;
    private SkeinNode b;
    private SkeinNode c;
    private SkeinNode client;
    private ClientChannel channel;
    private ServiceClient echo;

    /** Starts A, B, C (C configured by {@code cExtra}) and a client member; waits until all see 3 instances. */
    private void startCluster(String cExtra) {
        a = add(ClusterNodes.first(""));
        b = add(ClusterNodes.joining(a, ""));
        c = add(ClusterNodes.joining(a, cExtra));
        client = add(ClusterNodes.client(a));
        List<String> ids = List.of(a.nodeId(), b.nodeId(), c.nodeId());
        for (SkeinNode n : nodes) {
            Await.result(n.whenReady(), MEMBERSHIP);
            ClusterNodes.awaitInstances(n, ids);
        }
        channel = client.channel(ECHO_TARGET);
        echo = ServiceClient.create(client.system(), channel, TestNodes.ECHO);
    }

    private SkeinNode add(SkeinNode node) {
        nodes.add(node);
        return node;
    }

    @AfterEach
    void stop() {
        if (channel != null) {
            channel.close();
        }
        // All at once: each leaves by itself; one after the other would pay every withdrawal delay in turn.
        List<Thread> closing = new ArrayList<>();
        for (SkeinNode n : nodes) {
            Thread t = new Thread(() -> TestNodes.close(n), "close-" + n.nodeId());
            t.start();
            closing.add(t);
        }
        for (Thread t : closing) {
            try {
                t.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void registryConvergesAndCallsSpreadOverAllThree() {
        startCluster("skein.cluster.tags { zone = \"z-c\", version = \"2\" }\nskein.cluster.weight = 3");

        // Entries carry what each node published.
        var cEntry = client.registry().instances(ECHO).snapshot().stream()
                .filter(i -> i.nodeId().equals(c.nodeId())).findFirst().orElseThrow();
        assertEquals(c.address().getPort(), cEntry.port());
        assertEquals("127.0.0.1", cEntry.host());
        assertEquals(3, cEntry.weight());
        assertEquals("z-c", cEntry.tags().get("zone"));
        assertEquals(Set.of("skein", "grpc"), cEntry.protocols());

        // members: four, all Up, the client serving nothing.
        Await.until(MEMBERSHIP, () -> client.registry().members().stream()
                .filter(m -> m.status().equals("Up") && !m.services().isEmpty()).count() == 3);
        List<MemberInfo> members = client.registry().members();
        assertEquals(4, members.size(), members::toString);
        assertTrue(members.stream().anyMatch(m -> m.roles().contains("client") && m.services().isEmpty()),
                members::toString);
        assertTrue(members.stream().anyMatch(m -> m.nodeId().equals(c.nodeId()) && m.services().equals(List.of(ECHO))),
                members::toString);

        UnaryMethod<EchoRequest, EchoReply> say = echo.unary("Say", EchoRequest.class, EchoReply.class);
        Set<String> servedBy = new HashSet<>();
        for (int i = 0; i < 9; i++) {
            servedBy.add(Await.result(say.call(EchoRequest.newBuilder().setMessage("m" + i).build(),
                    CallOptions.timeout(Duration.ofSeconds(10))), Duration.ofSeconds(15)).getServedBy());
        }
        assertEquals(Set.of(a.nodeId(), b.nodeId(), c.nodeId()), servedBy);
    }

    @Test
    void aNodeLeavingGracefullyUnderLoadFailsNoCall() {
        // Default path: C keeps serving for the propagation delay (1 s here) after withdrawing, so
        // clients have stopped routing to it before it refuses anything.
        gracefulLeave("");
    }

    @Test
    void withoutPropagationDelayRefusedCallsAreSentElsewhere() {
        // C refuses new calls right after withdrawing, while clients still route to it: the calls it
        // refuses before processing are resent to A or B by the cluster:// channel.
        long retried = gracefulLeave("skein.cluster.shutdown.propagation-delay = 0s");
        assertTrue(retried > 0, "some calls must have raced the withdrawal");
    }

    /** Runs load, lets C leave gracefully, asserts no call failed; returns the transparent retries. */
    private long gracefulLeave(String cExtra) {
        startCluster(cExtra);
        Load load = new Load(echo, 2).start(6);
        Await.until(Duration.ofSeconds(20), () -> load.served(c.nodeId()) > 20 && load.served(a.nodeId()) > 20,
                () -> "load on every node " + load.servedBy);

        long leaveStart = System.nanoTime();
        CompletionStage<Done> leaving = c.shutdown();
        Await.until(Duration.ofSeconds(5), () -> !c.registry().isReady(), () -> "C to report not ready");
        ClusterNodes.awaitInstances(client, List.of(a.nodeId(), b.nodeId()));
        long withdrawnSeen = System.nanoTime();
        Await.result(leaving, Duration.ofSeconds(30));
        long leaveDone = System.nanoTime();
        int atShutdown = load.total();
        Await.until(Duration.ofSeconds(20), () -> load.total() > atShutdown + 100, () -> "load to go on after C left");
        Await.until(MEMBERSHIP, () -> ClusterNodes.members(a).size() == 3,
                () -> "C to be removed: " + ClusterNodes.members(a));
        load.stop();

        long retried = ((GovernedChannel) channel).balancer().transparentRetries();
        long lastOnC = load.lastServed.getOrDefault(c.nodeId(), leaveStart);
        log.info("graceful leave ({}): {} calls ({}), failures {}; client saw the withdrawal {} ms after shutdown began; "
                        + "last call served by C {} ms after it began; shutdown took {} ms; transparent retries {}",
                cExtra.isEmpty() ? "default" : cExtra, load.total(), load.servedBy, load.failures.size(),
                TimeUnit.NANOSECONDS.toMillis(withdrawnSeen - leaveStart),
                TimeUnit.NANOSECONDS.toMillis(lastOnC - leaveStart),
                TimeUnit.NANOSECONDS.toMillis(leaveDone - leaveStart), retried);
        assertEquals(List.of(), load.failures, "no call may fail while a node leaves gracefully");
        assertTrue(load.served(c.nodeId()) > 0);
        assertTrue(load.served(a.nodeId()) > 0 && load.served(b.nodeId()) > 0);
        return retried;
    }

    @Test
    void aNodeThatDiesAbruptlyIsDroppedAndLaterCallsSucceed() {
        // C's actor system is terminated without its coordinated shutdown: no withdrawal, no leave, its
        // port just goes away, as when the process crashes.
        startCluster("pekko.coordinated-shutdown.run-by-actor-system-terminate = off");
        Load load = new Load(echo, 2).start(4);
        Await.until(Duration.ofSeconds(20), () -> load.served(c.nodeId()) > 20, () -> "load on C " + load.servedBy);
        Address cAddress = ClusterNodes.address(c);

        long killed = System.nanoTime();
        c.system().terminate();
        Await.result(c.system().getWhenTerminated(), Duration.ofSeconds(20));

        // Unreachable: out of the listing (calls stop going there) before it is even downed.
        ClusterNodes.awaitInstances(client, List.of(a.nodeId(), b.nodeId()));
        long dropped = System.nanoTime();
        // Downed by the split-brain resolver (keep-majority: A, B and the client are 3 of 4) and removed.
        Await.until(MEMBERSHIP, () -> ClusterNodes.members(a).stream()
                .noneMatch(m -> m.address().equals(cAddress)), () -> "C to be downed and removed");
        long removed = System.nanoTime();
        load.stop();
        log.info("abrupt termination: C out of the listing after {} ms, removed after {} ms; {} calls failed "
                        + "meanwhile ({}), {} transparent retries",
                TimeUnit.NANOSECONDS.toMillis(dropped - killed), TimeUnit.NANOSECONDS.toMillis(removed - killed),
                load.failures.size(), load.failures, ((GovernedChannel) channel).balancer().transparentRetries());

        Load after = new Load(echo, 0).start(4);
        Await.until(Duration.ofSeconds(20), () -> after.total() >= 200, () -> "calls after C was downed");
        after.stop();
        assertEquals(List.of(), after.failures);
        assertEquals(0, after.served(c.nodeId()));
        assertTrue(after.served(a.nodeId()) > 0 && after.served(b.nodeId()) > 0, after.servedBy::toString);
        assertFalse(ClusterNodes.members(a).stream()
                .anyMatch(m -> m.status() == MemberStatus.down()));
    }
}
