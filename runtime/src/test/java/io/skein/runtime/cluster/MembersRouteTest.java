package io.skein.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.JsonFormat;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.runtime.SkeinNode;
import io.skein.runtime.cli.ExitCodes;
import io.skein.runtime.cli.ManagementMembers;
import io.skein.runtime.cluster.members.Member;
import io.skein.runtime.cluster.members.MemberList;
import io.skein.runtime.reflection.Greeters;
import io.skein.testing.Await;
import io.skein.testing.LeakDetectionExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code GET /skein/members} on a clustered node's management endpoint (one node forming its own
 * cluster, management on a free port), and {@code members} reading it from the contact points of a
 * configuration ({@link ManagementMembers}) without joining.
 */
@ExtendWith(LeakDetectionExtension.class)
class MembersRouteTest {

    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static SkeinNode node;
    private static int management;

    @BeforeAll
    static void start() {
        management = ClusteredNodes.freePort();
        node = ClusteredNodes.selfJoined(management, "skein.cluster.shutdown.propagation-delay = 0s");
        Await.result(node.whenReady(), BOUND);
        // The registry's view of its own entry arrives through the local receptionist a moment later.
        Await.until(BOUND, () -> node.registry().members().stream().anyMatch(m -> !m.nodeId().isEmpty()),
                () -> "own entry in the registry: " + node.registry().members());
    }

    @AfterAll
    static void stop() {
        Greeters.close(node);
    }

    private static HttpResponse<String> get(String path, String accept) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + path))
                .header("Accept", accept).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The config a user would give {@code members}: config discovery listing {@code ports} on loopback. */
    private static Config contactPoints(int... ports) {
        StringBuilder endpoints = new StringBuilder();
        for (int port : ports) {
            endpoints.append("{ host = \"127.0.0.1\", port = ").append(port).append(" }\n");
        }
        return ConfigFactory.parseString(String.join("\n",
                "pekko.management.cluster.bootstrap.contact-point-discovery { service-name = test-cluster,",
                "  discovery-method = config }",
                "pekko.discovery.config.services.test-cluster.endpoints = [\n" + endpoints + "]"))
                .withFallback(ConfigFactory.load()).resolve();
    }

    @Test
    void aClusteredNodeListsItsMembersWithTheirServicesAsJson() throws Exception {
        HttpResponse<String> response = get("/skein/members", "application/json");
        assertEquals(200, response.statusCode(), response::body);
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        MemberList.Builder list = MemberList.newBuilder();
        JsonFormat.parser().merge(response.body(), list);
        assertEquals(1, list.getMembersCount(), response::body);
        Member self = list.getMembers(0);
        assertEquals(list.getSelf(), self.getAddress());
        assertEquals("Up", self.getStatus());
        assertTrue(self.getReachable());
        assertEquals(node.nodeId(), self.getNodeId());
        assertEquals(List.of(Greeters.GREETER.getFullName()), self.getServicesList());
    }

    @Test
    void aClusteredNodeListsItsMembersAsLinesToPlainText() throws Exception {
        HttpResponse<String> response = get("/skein/members", "text/plain");
        assertEquals(200, response.statusCode(), response::body);
        assertEquals(node.registry().members().stream().map(MemberInfo::toString).toList(),
                response.body().lines().toList());
    }

    @Test
    void membersAsksTheContactPointsInOrderAndPrintsTheFirstList() {
        Config config = contactPoints(ClusteredNodes.freePort(), management);
        List<URI> endpoints = ManagementMembers.endpoints(config);
        assertEquals(2, endpoints.size(), endpoints::toString);
        assertEquals(URI.create("http://127.0.0.1:" + management + "/skein/members"), endpoints.get(1));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertEquals(ExitCodes.OK, ManagementMembers.print(endpoints, BOUND, new PrintStream(bytes, true,
                StandardCharsets.UTF_8)));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size(), lines::toString);
        assertTrue(lines.get(0).matches("pekko://skein@127\\.0\\.0\\.1:\\d+ Up roles=\\[dc-default] node="
                + java.util.regex.Pattern.quote(node.nodeId()) + " services=\\[.*Greeter]"), lines::toString);
    }

    @Test
    void membersWithNoContactPointAnsweringFailsUnavailableNamingEach() {
        int closed = ClusteredNodes.freePort();
        StatusException e = assertThrows(StatusException.class, () -> ManagementMembers.print(
                ManagementMembers.endpoints(contactPoints(closed)), BOUND, new PrintStream(new ByteArrayOutputStream())));
        assertEquals(StatusCode.UNAVAILABLE, e.code());
        assertTrue(e.status().message().contains("127.0.0.1:" + closed + " (connection refused)"), e::getMessage);
    }

    @Test
    void membersFindsNoContactPointsWhenTheClusterIsDiscoveredAnotherWay() {
        Config dns = ConfigFactory.parseString(
                "pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method = pekko-dns")
                .withFallback(contactPoints(management));
        assertEquals(List.of(), ManagementMembers.endpoints(dns));
        // A base path and an endpoint without a port (pekko-management's port is the fallback).
        Config based = ConfigFactory.parseString(String.join("\n",
                "pekko.management.http { base-path = \"ops\", port = 7000 }",
                "pekko.discovery.config.services.test-cluster.endpoints = [ { host = \"::1\" } ]"))
                .withFallback(contactPoints(management));
        assertEquals(List.of(URI.create("http://[::1]:7000/ops/skein/members")), ManagementMembers.endpoints(based));
        // --management HOST:PORT names a node directly.
        assertEquals(URI.create("http://10.0.0.5:7626/ops/skein/members"), ManagementMembers.endpoint("10.0.0.5:7626", based));
        assertEquals(URI.create("http://[::1]:7626/skein/members"), ManagementMembers.endpoint("[::1]:7626", dns));
        for (String bad : List.of("7626", "host:", "host:http", ":7626", "host:70000")) {
            assertThrows(IllegalArgumentException.class, () -> ManagementMembers.endpoint(bad, dns), bad);
        }
    }
}
