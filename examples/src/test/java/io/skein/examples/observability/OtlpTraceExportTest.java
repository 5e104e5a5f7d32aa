package io.skein.examples.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.actors.FunctionalService;
import io.skein.actors.ServiceDefinition;
import io.skein.actors.client.ServiceClient;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.testing.TestNodes;
import io.skein.runtime.SkeinNode;
import io.skein.runtime.observability.NodeObservability;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Spans exported over OTLP reach a real receiver (interop/otlp/receiver.py on opentelemetry-proto from
 * PyPI, in a virtual environment this test makes) with the right parent/child links across three hops:
 * a client node calls node A over gRPC, A's service calls node B over the native protocol with
 * {@code CallOptions.continuing}, and the four spans form one trace. Skipped without {@code python3} on a
 * developer machine, required under CI. Run alone with
 * {@code mvn -B -pl examples -am verify -Dtest=OtlpTraceExportTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class OtlpTraceExportTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path RECEIVER = Path.of("..", "interop", "otlp").toAbsolutePath().normalize();

    private static Path work;
    private static Process receiver;
    private static Path spans;
    private static SkeinNode nodeB;
    private static SkeinNode nodeA;
    private static SkeinNode client;

    @BeforeAll
    static void start() throws Exception {
        Path python = ExternalTools.require("python3", "python3 with venv");
        work = Files.createDirectories(Path.of("target", "otlp").toAbsolutePath());
        Path venv = Path.of("target", "otlp-venv").toAbsolutePath();
        Path venvPython = venv.resolve("bin").resolve("python");
        Path installed = venv.resolve("installed-" + Files.readString(RECEIVER.resolve("requirements.txt")).trim()
                .replaceAll("[^A-Za-z0-9.]", "_"));
        if (!Files.exists(installed)) {
            check(ExternalTools.run(List.of(python.toString(), "-m", "venv", venv.toString()), work,
                    Duration.ofMinutes(5), work.resolve("venv.log"), null), "python3 -m venv", work.resolve("venv.log"));
            check(ExternalTools.run(List.of(venvPython.toString(), "-m", "pip", "install", "-q", "-r",
                    RECEIVER.resolve("requirements.txt").toString()), work, Duration.ofMinutes(10),
                    work.resolve("pip.log"), null), "pip install", work.resolve("pip.log"));
            Files.writeString(installed, "ok");
        }
        int port = ExternalTools.freePort();
        spans = work.resolve("spans-" + port + ".jsonl");
        Path log = work.resolve("receiver-" + port + ".log");
        receiver = ExternalTools.start(List.of(venvPython.toString(), RECEIVER.resolve("receiver.py").toString(),
                "--port", Integer.toString(port), "--out", spans.toString()), work, log);
        Await.until(WAIT, () -> read(log).contains("listening"), () -> "receiver did not start:\n" + read(log));

        // Kamon is one per JVM, configured by the first node that starts: no node of another test may run.
        assertEquals(0, NodeObservability.nodesInJvm(), "a node of an earlier test is still running");
        String tracing = "skein.observability { tracing { sampler = always, tick-interval = 200ms }\n"
                + "  otlp { enabled = on, protocol = \"http/protobuf\", endpoint = \"http://127.0.0.1:" + port + "\" } }\n"
                + "pekko.loglevel = WARNING\n";
        nodeB = TestNodes.echoNode(tracing);
        nodeA = TestNodes.node(relay(OtlpTraceExportTest::nodeAClient), tracing);
        client = TestNodes.node(FunctionalService.builder(TestNodes.ECHO).build(), tracing);
    }

    private static ServiceClient relayClient;

    private static synchronized ServiceClient nodeAClient() {
        if (relayClient == null) {
            relayClient = nodeA.client(nodeB.target(), TestNodes.ECHO);
        }
        return relayClient;
    }

    /** Node A's Echo: Say relays to node B's Say, continuing the caller's call (deadline, trace). */
    private static ServiceDefinition<?> relay(java.util.function.Supplier<ServiceClient> toB) {
        return FunctionalService.builder(TestNodes.ECHO)
                .<EchoRequest, EchoReply>unary("Say", (req, ctx) -> toB.get()
                        .unary("Say", EchoRequest.class, EchoReply.class)
                        .call(req, CallOptions.continuing(ctx)))
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        TestNodes.close(client);
        TestNodes.close(nodeA);
        TestNodes.close(nodeB);
        ExternalTools.stop(receiver);
    }

    @Test
    void aThreeHopCallArrivesAtTheReceiverAsOneTraceWithParentChildLinks() {
        var say = client.client("grpc://127.0.0.1:" + nodeA.address().getPort(), TestNodes.ECHO)
                .unary("Say", EchoRequest.class, EchoReply.class);
        EchoReply reply = Await.result(say.call(EchoRequest.newBuilder().setMessage("three hops").build()), WAIT);
        assertEquals("three hops", reply.getMessage());

        // The first client span of Say (no parent) starts the trace; wait for all four of its spans.
        Await.until(WAIT, () -> traceOfRoot().map(t -> t.size() >= 4).orElse(false),
                () -> "spans received:\n" + read(spans));
        List<Map<String, String>> trace = traceOfRoot().orElseThrow();
        Map<String, String> root = only(trace, "CLIENT", "");
        assertEquals("grpc", root.get("rpc.system"));
        Map<String, String> serverA = only(trace, "SERVER", root.get("span_id"));
        assertEquals("grpc", serverA.get("rpc.system"));
        Map<String, String> clientA = only(trace, "CLIENT", serverA.get("span_id"));
        assertEquals("skein", clientA.get("rpc.system"));
        Map<String, String> serverB = only(trace, "SERVER", clientA.get("span_id"));
        assertEquals("skein", serverB.get("rpc.system"));
        for (Map<String, String> span : List.of(root, serverA, clientA, serverB)) {
            assertEquals("skein.examples.echo.Echo/Say", span.get("name"), span.toString());
            assertEquals("skein.examples.echo.Echo", span.get("rpc.service"), span.toString());
            assertEquals("Say", span.get("rpc.method"), span.toString());
            assertEquals("OK", span.get("rpc.status_code"), span.toString());
        }
        assertTrue(serverB.containsKey("client.address"), serverB.toString());
        assertTrue(root.containsKey("server.port"), root.toString());
    }

    /** The spans of the trace whose root is a client span of Echo/Say, once that root arrived. */
    private static Optional<List<Map<String, String>>> traceOfRoot() {
        List<Map<String, String>> all = parse(read(spans));
        return all.stream()
                .filter(s -> s.get("kind").equals("CLIENT") && s.get("parent_span_id").isEmpty()
                        && s.get("name").equals("skein.examples.echo.Echo/Say"))
                .findFirst()
                .map(root -> all.stream().filter(s -> s.get("trace_id").equals(root.get("trace_id"))).toList());
    }

    private static Map<String, String> only(List<Map<String, String>> trace, String kind, String parent) {
        List<Map<String, String>> found = trace.stream()
                .filter(s -> s.get("kind").equals(kind) && s.get("parent_span_id").equals(parent)).toList();
        assertEquals(1, found.size(), () -> "one " + kind + " span with parent '" + parent + "' in " + trace);
        return found.get(0);
    }

    private static final Pattern FIELD = Pattern.compile("\"([A-Za-z_.]+)\": (\"([^\"]*)\"|-?[0-9.]+|true|false|null)");

    /** The receiver's JSON lines as flat maps (attributes merged in); the receiver writes flat values only. */
    private static List<Map<String, String>> parse(String jsonLines) {
        List<Map<String, String>> out = new ArrayList<>();
        for (String line : jsonLines.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, String> span = new java.util.HashMap<>();
            Matcher m = FIELD.matcher(line);
            while (m.find()) {
                span.put(m.group(1), m.group(3) != null ? m.group(3) : m.group(2));
            }
            out.add(span);
        }
        return out;
    }

    private static void check(int exit, String what, Path log) {
        if (exit != 0) {
            throw new AssertionError(what + " failed (exit " + exit + "):\n" + read(log));
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (Exception e) {
            return "(" + file + ": " + e + ")";
        }
    }
}
