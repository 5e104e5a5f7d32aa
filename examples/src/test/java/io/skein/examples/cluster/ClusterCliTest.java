package io.skein.examples.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.testing.ChildJvm;
import io.skein.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster from the command line, as a user runs it: three {@code serve} child JVMs form a cluster
 * by ClusterBootstrap with {@code config} discovery (the shipped {@code examples/cluster/local.conf},
 * on free ports); {@code members} lists them (from a contact point, without joining); {@code call cluster://... --repeat} reaches all three; after {@code kill -9} of one
 * and its downing every call succeeds on the other two; a SIGTERM to the node serving a stream lets
 * the stream complete.
 */
class ClusterCliTest {

    private static final Duration FORM = Duration.ofSeconds(120);
    private static final Duration CALL = Duration.ofSeconds(90);
    private static final Pattern REGISTERED = Pattern.compile("registered as (\\S+) serving");
    private static final Pattern SELF_NODE = Pattern.compile("\"selfNode\"\\s*:\\s*\"([^\"]+)\"");
    private static final String ECHO = "cluster://skein.examples.echo.Echo";

    private final List<ChildJvm> children = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void killChildren() {
        children.forEach(ChildJvm::close);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The shipped local config with this run's management ports, faster failure detection and downing. */
    private static Path config(int[] managementPorts) throws IOException {
        Path shipped = Path.of("cluster", "local.conf").toAbsolutePath();
        assertTrue(Files.isRegularFile(shipped), "missing " + shipped);
        StringBuilder endpoints = new StringBuilder();
        for (int port : managementPorts) {
            endpoints.append("{ host = \"127.0.0.1\", port = ").append(port).append(" }\n");
        }
        Path file = Files.createTempFile("skein-cluster-", ".conf");
        file.toFile().deleteOnExit();
        Files.writeString(file, String.join("\n",
                "include file(\"" + shipped + "\")",
                "skein.server.port = 0",
                "skein.cluster.shutdown.propagation-delay = 1s",
                "pekko.loglevel = WARNING",
                "pekko.discovery.config.services.skein-local.endpoints = [\n" + endpoints + "]",
                "pekko.management.cluster.bootstrap.contact-point-discovery.stable-margin = 1s",
                "pekko.cluster.failure-detector { heartbeat-interval = 500ms, acceptable-heartbeat-pause = 2s }",
                "pekko.cluster.split-brain-resolver.stable-after = 2s",
                ""));
        return file;
    }

    private ChildJvm start(List<String> jvmOptions, String... args) {
        ChildJvm child = ChildJvm.start(Map.of("SKEIN_LOG_LEVEL", "INFO"), jvmOptions, args);
        children.add(child);
        return child;
    }

    private ChildJvm call(Path config, String method, String json, String... more) {
        List<String> args = new ArrayList<>(List.of("call", ECHO, method, json, "--config", config.toString(),
                "--timeout", "60000"));
        args.addAll(List.of(more));
        return start(List.of(), args.toArray(String[]::new));
    }

    private static EchoReply parse(String json) {
        EchoReply.Builder b = EchoReply.newBuilder();
        try {
            JsonFormat.parser().merge(json, b);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("not an EchoReply: " + json, e);
        }
        return b.build();
    }

    private String get(int port, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void threeServeProcessesFormAClusterThatSurvivesKillAndSigterm() throws IOException {
        int[] management = {freePort(), freePort(), freePort()};
        Path config = config(management);
        List<ChildJvm> nodes = new ArrayList<>();
        for (int port : management) {
            nodes.add(start(List.of("-Dpekko.management.http.port=" + port), "serve", "--config", config.toString()));
        }
        List<String> ids = new ArrayList<>();
        for (ChildJvm node : nodes) {
            Matcher m = REGISTERED.matcher(node.awaitLine(l -> REGISTERED.matcher(l).find(), FORM));
            assertTrue(m.find());
            ids.add(m.group(1));
        }

        // call --repeat reaches all three; members (run alongside) lists them with what they serve.
        ChildJvm spread = call(config, "skein.examples.echo.Echo/Say", "{\"message\":\"hi\"}", "--repeat", "12");
        // The registry reaches the contact point by gossip: a node that has registered may show a moment later.
        long deadline = System.nanoTime() + FORM.toNanos();
        ChildJvm members;
        while (true) {
            members = start(List.of(), "members", "--config", config.toString(), "--timeout", "60000");
            assertEquals(0, members.awaitExit(CALL), members::toString);
            List<String> lines = members.stdout();
            boolean all = ids.stream().allMatch(id -> lines.stream().anyMatch(l -> l.matches(
                    "pekko://skein@127\\.0\\.0\\.1:\\d+ Up .*node=" + Pattern.quote(id)
                            + " services=\\[skein\\.examples\\.echo\\.Echo]")));
            if (all) {
                break;
            }
            assertTrue(System.nanoTime() < deadline, "members never listed every node with its services: " + members);
        }
        // members asks a contact point's management endpoint: it joins nothing and logs nothing.
        assertTrue(members.stderr().isBlank(), members::toString);
        assertEquals(0, spread.awaitExit(CALL), spread::toString);
        List<EchoReply> replies = spread.stdout().stream().map(ClusterCliTest::parse).toList();
        assertEquals(12, replies.size(), spread::toString);
        assertEquals(Set.copyOf(ids), replies.stream().map(EchoReply::getServedBy).collect(Collectors.toSet()));

        // kill -9 the third; once it is downed and removed every call succeeds on the other two.
        Matcher self = SELF_NODE.matcher(get(management[2], "/cluster/members"));
        assertTrue(self.find(), "the third node's cluster address");
        String killedAddress = self.group(1);
        nodes.get(2).process().destroyForcibly();
        nodes.get(2).awaitExit(Duration.ofSeconds(30));
        Await.until(Duration.ofSeconds(60), () -> {
            String list = get(management[0], "/cluster/members");
            return list.contains("\"members\"") && !list.contains(killedAddress);
        }, () -> "the killed node to be downed and removed: " + get(management[0], "/cluster/members"));
        ChildJvm after = call(config, "skein.examples.echo.Echo/Say", "{\"message\":\"after\"}", "--repeat", "10");
        assertEquals(0, after.awaitExit(CALL), after::toString);
        List<EchoReply> afterReplies = after.stdout().stream().map(ClusterCliTest::parse).toList();
        assertEquals(10, afterReplies.size(), after::toString);
        assertEquals(Set.of(ids.get(0), ids.get(1)),
                afterReplies.stream().map(EchoReply::getServedBy).collect(Collectors.toSet()), after::toString);

        // SIGTERM the node serving a stream while it runs: the stream completes.
        ChildJvm stream = call(config, "skein.examples.echo.Echo/Repeat",
                "{\"message\":\"s\",\"count\":20,\"interval_ms\":100}");
        String first = stream.awaitLine(l -> l.contains("servedBy"), CALL);
        String servedBy = parse(first).getServedBy();
        ChildJvm serving = nodes.get(ids.indexOf(servedBy));
        serving.process().destroy(); // SIGTERM: pekko's JVM shutdown hook runs the coordinated shutdown
        assertEquals(0, stream.awaitExit(CALL), stream::toString);
        List<EchoReply> ticks = stream.stdout().stream().map(ClusterCliTest::parse).toList();
        assertEquals(20, ticks.size(), stream::toString);
        for (int i = 0; i < ticks.size(); i++) {
            assertEquals(i, ticks.get(i).getSeq());
            assertEquals(servedBy, ticks.get(i).getServedBy());
        }
        serving.awaitExit(Duration.ofSeconds(30));
        String log = serving.stderr();
        assertTrue(log.contains("withdrew its entries") && log.contains("draining"), log);
    }
}
