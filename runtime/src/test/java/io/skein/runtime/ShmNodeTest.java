package io.skein.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.skein.actors.client.ServiceClient;
import io.skein.governance.discovery.Instance;
import io.skein.runtime.reflection.Greeters;
import io.skein.runtime.reflection.testing.GreetReply;
import io.skein.runtime.reflection.testing.GreetRequest;
import io.skein.testing.Await;
import io.skein.testing.LeakDetectionExtension;
import io.skein.transport.ClientChannel;
import io.skein.transport.EndpointChannel;
import io.skein.actors.client.Targets;
import io.skein.shm.ShmChannels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node serving over shared memory beside its TCP port ({@code skein.server.shm}): {@code shm://}
 * callers, its registry entry's tags, {@code cluster://} callers on the same host reaching it over
 * shared memory, and TCP taking over when shared memory refuses a call.
 */
@ExtendWith(LeakDetectionExtension.class)
class ShmNodeTest {

    private static final Duration BOUND = Duration.ofSeconds(30);
    private final String name = "skein-node-" + UUID.randomUUID().toString().substring(0, 8);
    private Path dir;
    private SkeinNode node;

    @BeforeEach
    void start() throws IOException {
        dir = Files.createTempDirectory("shm-node");
    }

    @AfterEach
    void stop() throws IOException {
        Greeters.close(node);
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private SkeinNode node(boolean clustered) {
        String cluster = clustered ? String.join("\n",
                "skein.cluster { enabled = on, join = self, shutdown.propagation-delay = 0s }",
                "pekko.remote.artery.canonical { hostname = \"127.0.0.1\", port = 0 }",
                "pekko.management.http { hostname = \"127.0.0.1\", port = " + freePort() + " }") : "";
        return SkeinNode.builder()
                .config(ConfigFactory.parseString(String.join("\n",
                        "skein.server { host = \"127.0.0.1\", port = 0 }",
                        "skein.server.shm { enabled = on, path = \"" + dir.resolve("node.sock") + "\" }",
                        "skein.shm.path-prefix = \"/dev/shm/" + name + "\"",
                        "pekko.loglevel = WARNING", cluster)))
                .service(Greeters.definition())
                .start();
    }

    private static String greet(ClientChannel channel, SkeinNode node, String who) {
        ServiceClient client = ServiceClient.create(node.system(), channel, Greeters.GREETER);
        GreetReply reply = Await.result(client.unary("Greet", GreetRequest.class, GreetReply.class)
                .call(GreetRequest.newBuilder().setName(who).build()), BOUND);
        return reply.getText();
    }

    /** Shared-memory sessions this process has mapped (the client side creates them under the prefix). */
    private List<String> sessions() {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains(name)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aNodeServesOverSharedMemoryBesideItsPortAndRemovesItsSocketAtShutdown() {
        node = node(false);
        Path socket = dir.resolve("node.sock");
        assertEquals("shm://" + socket, node.shmTarget().orElseThrow());
        assertTrue(Files.exists(socket));
        assertEquals("hello shm", greet(node.channel(node.shmTarget().get()), node, "shm"));
        assertFalse(sessions().isEmpty(), "the call went over shared memory");
        assertEquals("hello tcp", greet(node.channel(node.target()), node, "tcp"));
        Await.result(node.shutdown(), BOUND);
        assertFalse(Files.exists(socket), "the socket file is removed at shutdown");
        node = null;
    }

    @Test
    void aClusterCallerOnTheSameHostReachesTheNodeOverSharedMemory() {
        node = node(true);
        Await.result(node.whenReady(), BOUND);
        String service = Greeters.GREETER.getFullName();
        Await.until(BOUND, () -> node.registry().instances(service).snapshot().size() == 1, () -> "own entry");
        Instance self = node.registry().instances(service).snapshot().get(0);
        assertEquals(dir.resolve("node.sock").toString(), self.tags().get(ShmTargets.PATH_TAG));
        assertEquals(ShmTargets.hostId(), self.tags().get(ShmTargets.HOST_TAG));
        assertTrue(sessions().isEmpty());

        assertEquals("hello cluster", greet(node.channel("cluster://" + service), node, "cluster"));

        assertFalse(sessions().isEmpty(), "cluster:// on the same host opened a shared-memory session");
    }

    @Test
    void whenSharedMemoryRefusesACallItGoesOverTcpAndLaterCallsFollowUntilTheRetryPeriodEnds() {
        node = node(false);
        ShmTargets.install();
        EndpointChannel nowhere = ShmChannels.create(node.system(), dir.resolve("nobody-listens.sock"));
        ShmPreferringChannel channel = new ShmPreferringChannel("test", nowhere,
                () -> Targets.open(node.system(), node.target()), Duration.ofHours(1));
        try {
            assertEquals("hello fallback", greet(channel, node, "fallback"));
            assertTrue(channel.onTcp(), "shared memory refused: TCP for the retry period");
            assertEquals("hello again", greet(channel, node, "again"));
        } finally {
            channel.close();
        }
        ShmPreferringChannel working = new ShmPreferringChannel("test", node.channel(node.shmTarget().orElseThrow()),
                () -> Targets.open(node.system(), node.target()), Duration.ofHours(1));
        try {
            assertEquals("hello shm", greet(working, node, "shm"));
            assertFalse(working.onTcp());
        } finally {
            working.close();
        }
    }
}
