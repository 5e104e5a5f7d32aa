package io.skein.examples.cluster;

import static io.skein.examples.testing.ClusterNodes.ECHO;
import static io.skein.examples.testing.ClusterNodes.ECHO_TARGET;
import static io.skein.examples.testing.ClusterNodes.MEMBERSHIP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.UnaryMethod;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.testing.ClusterNodes;
import io.skein.examples.testing.TestNodes;
import io.skein.runtime.SkeinNode;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import io.skein.transport.testing.RawClient;
import io.skein.transport.testing.TestPki;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import io.skein.runtime.cli.ManagementMembers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.SSLContext;
import org.apache.pekko.cluster.MemberStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-node cluster and a client member with everything encrypted from one set of PEM files per node:
 * Artery over Pekko's tls-tcp (mutual TLS, plaintext refused), pekko-management over HTTPS, and RPC ports
 * that require TLS, whose registry entries therefore name only skeins and grpcs, so that
 * {@code cluster://} calls go over TLS to every node.
 */
class ClusterTlsTest {

    @TempDir
    Path dir;
    private final List<SkeinNode> nodes = new ArrayList<>();

    /**
     * Each member shuts down gracefully (withdraw, drain, leave: this must finish in time), then its actor
     * system terminates. The termination of a member is waited for but a hang is only logged: under heavy
     * load, Pekko 1.2.1's Artery can wait forever for a TLS stream to complete during termination (no bound
     * on stream completion; apache/pekko#3317 bounds it in 2.0.0-M4), after the node has already stopped
     * serving and left. See docs/security.md, known issues.
     */
    @AfterEach
    void stop() throws Exception {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            SkeinNode node = nodes.get(i);
            if (node.system().whenTerminated().isCompleted()) {
                continue;
            }
            node.shutdown().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
            node.system().terminate();
            try {
                node.system().getWhenTerminated().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                org.slf4j.LoggerFactory.getLogger(ClusterTlsTest.class).warn("member {} left the cluster but its actor "
                        + "system did not terminate within 30 s (Artery TLS stream shutdown, apache/pekko#3317)",
                        node.nodeId());
            }
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** TLS config for one member: its own certificate (CN = name, DNS SAN skein-cluster shared by all). */
    private static String tls(TestPki pki, String name) {
        TestPki.Issued cert = pki.issue(name, b -> b.addSanDnsName("skein-cluster").addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1").addExtendedKeyUsageServerAuth().addExtendedKeyUsageClientAuth());
        return pki.hocon(cert, "required", "optional", cert) + "skein.cluster.tls.enabled = on\n";
    }

    @Test
    void arteryManagementAndRpcAreAllEncryptedAndClusterCallsUseTls() throws Exception {
        TestPki pki = TestPki.rsa(dir); // Pekko's PEM reader takes RSA keys only
        int management = freePort();
        SkeinNode a = add(ClusterNodes.first(tls(pki, "node-a") + "skein.cluster.management = on\n"
                + "pekko.management.http { hostname = \"127.0.0.1\", port = " + management + " }\n"));
        SkeinNode b = add(ClusterNodes.joining(a, tls(pki, "node-b")));
        SkeinNode c = add(ClusterNodes.joining(a, tls(pki, "node-c")));
        SkeinNode client = add(ClusterNodes.client(a, tls(pki, "caller")));
        List<String> ids = List.of(a.nodeId(), b.nodeId(), c.nodeId());
        for (SkeinNode n : nodes) {
            Await.result(n.whenReady(), MEMBERSHIP);
            ClusterNodes.awaitInstances(n, ids);
        }
        Await.until(MEMBERSHIP, () -> ClusterNodes.members(a).stream().filter(m -> m.status() == MemberStatus.up()).count() == 4,
                () -> "all four members Up: " + ClusterNodes.members(a));
        assertEquals("tls-tcp", a.system().settings().config().getString("pekko.remote.artery.transport"));

        // Entries of nodes that require TLS name only the TLS schemes.
        client.registry().instances(ECHO).snapshot().forEach(i -> assertEquals(Set.of("skeins", "grpcs"), i.protocols()));

        // cluster:// reaches every node, over TLS.
        ServiceClient echo = ServiceClient.create(client.system(), client.channel(ECHO_TARGET), TestNodes.ECHO);
        UnaryMethod<EchoRequest, EchoReply> say = echo.unary("Say", EchoRequest.class, EchoReply.class);
        Set<String> servedBy = new TreeSet<>();
        for (int i = 0; i < 30 && servedBy.size() < 3; i++) {
            servedBy.add(Await.result(say.call(EchoRequest.newBuilder().setMessage("hi").build(),
                    CallOptions.timeout(Duration.ofSeconds(10))), MEMBERSHIP).getServedBy());
        }
        assertEquals(new TreeSet<>(ids), servedBy);

        // pekko-management answers over HTTPS with the node's certificate.
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, pki.trustManagerFactory().getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
        Await.until(MEMBERSHIP, () -> status(https, "https://127.0.0.1:" + management + "/ready") == 200,
                () -> "/ready over HTTPS");
        assertEquals(200, status(https, "https://127.0.0.1:" + management + "/alive"));

        // The members command reads the member list over HTTPS with the cluster's CA.
        com.typesafe.config.Config caller = client.system().settings().config();
        java.io.ByteArrayOutputStream listed = new java.io.ByteArrayOutputStream();
        URI members = ManagementMembers.endpoint("127.0.0.1:" + management, caller);
        assertEquals("https", members.getScheme());
        assertEquals(0, ManagementMembers.print(List.of(members), MEMBERSHIP,
                new java.io.PrintStream(listed, true, StandardCharsets.UTF_8), caller));
        String lines = listed.toString(StandardCharsets.UTF_8);
        ids.forEach(id -> assertTrue(lines.contains(id), lines));

        // Artery refuses plaintext: bytes that are not TLS close the connection.
        int artery = ClusterNodes.address(a).getPort().get();
        try (RawClient raw = RawClient.connect(new InetSocketAddress("127.0.0.1", artery))) {
            raw.writeBytes("AKKA\u0001plaintext artery frame".getBytes(StandardCharsets.US_ASCII));
            raw.assertClosedWithin(Duration.ofSeconds(10));
        }
        assertTrue(a.registry().instances(ECHO).snapshot().size() == 3, "the node serves on");
    }

    private static int status(HttpClient http, String uri) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private SkeinNode add(SkeinNode node) {
        nodes.add(node);
        return node;
    }
}
