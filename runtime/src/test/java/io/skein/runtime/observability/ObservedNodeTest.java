package io.skein.runtime.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.skein.actors.FunctionalService;
import io.skein.actors.ServiceDefinition;
import io.skein.actors.client.ServiceClient;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.runtime.SkeinNode;
import io.skein.runtime.health.v1.HealthCheckRequest;
import io.skein.runtime.health.v1.HealthCheckResponse;
import io.skein.runtime.health.v1.HealthCheckResponse.ServingStatus;
import io.skein.runtime.health.v1.HealthProto;
import io.skein.runtime.reflection.Greeters;
import io.skein.runtime.reflection.testing.GreetReply;
import io.skein.runtime.reflection.testing.GreetRequest;
import io.skein.testing.Await;
import io.skein.transport.CallContext;
import io.skein.transport.CallOptions;
import io.skein.transport.observe.TraceContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node with observability on (endpoint on a free port, every trace sampled): its RPC metrics on
 * {@code /metrics} for calls over both protocols, the caller's trace continued by the server span the
 * service sees, refusals counted, and {@code grpc.health.v1.Health} (Check, Watch, NOT_SERVING on drain)
 * next to {@code /health}.
 */
class ObservedNodeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final List<CallContext> seen = new CopyOnWriteArrayList<>();
    private SkeinNode node;

    @AfterEach
    void stop() {
        Greeters.close(node);
    }

    private SkeinNode start() {
        ServiceDefinition<?> greeter = FunctionalService.builder(Greeters.GREETER)
                .<GreetRequest, GreetReply>unary("Greet", (req, ctx) -> {
                    seen.add(ctx);
                    return CompletableFuture.completedFuture(GreetReply.newBuilder().setText("hi " + req.getName()).build());
                })
                .build();
        node = SkeinNode.builder()
                .config(ConfigFactory.parseString("skein.server { host = \"127.0.0.1\", port = 0 }\n"
                        + "skein.observability { http { host = \"127.0.0.1\", port = 0 }, tracing.sampler = always,"
                        + " metrics.tick-interval = 200ms, access-log.enabled = on }\n"
                        + "pekko.loglevel = WARNING"))
                .service(greeter)
                .start();
        return node;
    }

    @Test
    void callsOverBothProtocolsShowUpAsRpcMetricsOnTheEndpoint() throws Exception {
        start();
        InetSocketAddress address = node.address();
        for (String target : List.of(node.target(), "grpc://127.0.0.1:" + address.getPort())) {
            ServiceClient client = node.client(target, Greeters.GREETER);
            for (int i = 0; i < 3; i++) {
                Await.result(client.unary("Greet", GreetRequest.class, GreetReply.class)
                        .call(GreetRequest.newBuilder().setName("n" + i).build()), WAIT);
            }
        }
        // GreetMany is not bound on this node: the dispatcher refuses it (UNIMPLEMENTED), and says so once.
        Throwable refused = Await.failure(node.client(node.target(), Greeters.GREETER)
                .serverStreaming("GreetMany", GreetRequest.class, GreetReply.class)
                .call(GreetRequest.getDefaultInstance()).runWith(Sink.ignore(), node.system()), WAIT);
        assertEquals(StatusCode.UNIMPLEMENTED, ((StatusException) refused).status().code());

        String url = "http://127.0.0.1:" + node.metricsAddress().orElseThrow().getPort() + "/metrics";
        Await.until(WAIT, () -> {
            String body = get(url).body();
            return body.contains("rpc_server_duration_seconds_count{")
                    && series(body, "rpc_server_duration_seconds_count", "rpc_system=\"skein\"", "rpc_method=\"Greet\"",
                    "rpc_status_code=\"OK\"") >= 3
                    && series(body, "rpc_server_duration_seconds_count", "rpc_system=\"grpc\"", "rpc_method=\"Greet\"",
                    "rpc_status_code=\"OK\"") >= 3
                    && series(body, "rpc_client_duration_seconds_count", "rpc_system=\"grpc\"",
                    "rpc_service=\"skein.reflect.test.Greeter\"") >= 3
                    && series(body, "rpc_client_call_duration_seconds_count", "rpc_method=\"Greet\"") >= 6
                    && series(body, "rpc_server_refused_total", "rpc_status_code=\"UNIMPLEMENTED\"") >= 1
                    && body.contains("rpc_server_request_size_bytes_count{")
                    && body.contains("rpc_connections_opened_total{");
        }, () -> "metrics never showed the calls:\n" + get(url).body());

        // The CLI's `stats` prints the same figures from the endpoint.
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int exit = new io.skein.runtime.cli.StatsCommand(new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, StandardCharsets.UTF_8))
                .run(io.skein.runtime.cli.Args.parse(new String[] {"127.0.0.1:" + node.metricsAddress().orElseThrow()
                        .getPort()}, io.skein.runtime.cli.StatsCommand.OPTIONS, java.util.Set.of()));
        String stats = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, () -> stats + err);
        List<String> lines = stats.lines().toList();
        for (String system : List.of("skein", "grpc")) {
            assertTrue(lines.stream().anyMatch(l -> l.matches("\\s+skein\\.reflect\\.test\\.Greeter/Greet\\s+" + system
                    + "\\s+OK\\s+(?:[3-9]|\\d{2,})\\s+\\d+\\.\\d{3}")), () -> "no Greet/" + system + " row in\n" + stats);
        }
        assertTrue(lines.stream().anyMatch(l -> l.matches("refused before start: .*UNIMPLEMENTED [1-9].*")), stats);
        assertTrue(stats.startsWith("metrics of http://127.0.0.1:"), stats);
    }

    @Test
    void theServiceSeesTheCallersTraceContinuedByItsServerSpan() {
        start();
        TraceContext caller = new TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true, "k=v");
        for (String target : List.of(node.target(), "grpc://127.0.0.1:" + node.address().getPort())) {
            seen.clear();
            Await.result(node.client(target, Greeters.GREETER).unary("Greet", GreetRequest.class, GreetReply.class)
                    .call(GreetRequest.newBuilder().setName("t").build(), CallOptions.DEFAULT.withParentTrace(caller)),
                    WAIT);
            TraceContext server = seen.get(0).trace().orElseThrow();
            assertEquals(caller.traceId(), server.traceId(), target);
            assertNotEquals(caller.spanId(), server.spanId(), target);
            assertTrue(server.sampled(), target);
            assertEquals("k=v", server.traceState(), target);
            String wire = seen.get(0).metadata().get(TraceContext.TRACEPARENT);
            TraceContext sent = TraceContext.parse(wire, null);
            assertEquals(caller.traceId(), sent.traceId(), "the client span's traceparent travels: " + wire);
            assertNotEquals(caller.spanId(), sent.spanId(), "the parent on the wire is the client span: " + wire);
            assertNotEquals(server.spanId(), sent.spanId());
            // A call made while serving continues the trace.
            assertEquals(server, CallOptions.continuing(seen.get(0)).parentTrace());
        }
    }

    @Test
    void healthCheckAnswersServingAndWatchSeesNotServingWhenTheNodeDrains() throws Exception {
        start();
        ServiceClient health = node.client(node.target(), HealthProto.getDescriptor().findServiceByName("Health"));
        var check = health.unary("Check", HealthCheckRequest.class, HealthCheckResponse.class);
        assertEquals(ServingStatus.SERVING, Await.result(check.call(HealthCheckRequest.getDefaultInstance()), WAIT)
                .getStatus());
        assertEquals(ServingStatus.SERVING, Await.result(check.call(HealthCheckRequest.newBuilder()
                .setService("skein.reflect.test.Greeter").build()), WAIT).getStatus());
        Throwable unknown = Await.failure(check.call(HealthCheckRequest.newBuilder().setService("no.Such").build()),
                WAIT);
        assertEquals(StatusCode.NOT_FOUND, ((StatusException) unknown).status().code());
        String healthUrl = "http://127.0.0.1:" + node.metricsAddress().orElseThrow().getPort() + "/health";
        assertEquals(200, get(healthUrl).statusCode());
        assertEquals(404, get(healthUrl + "?service=no.Such").statusCode());

        List<ServingStatus> watched = new CopyOnWriteArrayList<>();
        var ended = health.serverStreaming("Watch", HealthCheckRequest.class, HealthCheckResponse.class)
                .call(HealthCheckRequest.getDefaultInstance())
                .runWith(Sink.foreach(r -> watched.add(r.getStatus())), node.system());
        Await.until(WAIT, () -> watched.equals(List.of(ServingStatus.SERVING)), () -> "watched " + watched);
        CompletableFuture<?> shutdown = node.shutdown().toCompletableFuture();
        Await.result(ended, WAIT); // the Watch stream ends, so it does not hold up the drain
        assertEquals(List.of(ServingStatus.SERVING, ServingStatus.NOT_SERVING), watched);
        assertEquals(ServingStatus.NOT_SERVING, node.health().status(""));
        shutdown.get(30, TimeUnit.SECONDS);
    }

    /** The sum of the values of the series of {@code metric} whose labels contain every one of {@code labels}. */
    static double series(String exposition, String metric, String... labels) {
        double sum = 0;
        for (String line : exposition.split("\n")) {
            if (!line.startsWith(metric + "{")) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= line.contains(l);
            }
            if (all) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    static HttpResponse<String> get(String url) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("GET " + url + " failed: " + e, e);
        }
    }
}
