package io.skein.examples.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.examples.echo.EchoProto;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.testing.TestNodes;
import io.skein.runtime.SkeinNode;
import io.skein.testing.Await;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus server (Debian's {@code prometheus} package) scrapes a Skein node's {@code /metrics}
 * and the series are checked through Prometheus' own HTTP API; {@code promtool check metrics} passes on
 * the node's exposition. Skipped without {@code prometheus}/{@code promtool} on a developer machine,
 * required under CI ({@code .ci/run} installs the package). Run alone with
 * {@code mvn -B -pl examples -am verify -Dtest=PrometheusScrapeTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class PrometheusScrapeTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static Path work;
    private static SkeinNode node;
    private static Process prometheus;
    private static String api;

    @BeforeAll
    static void start() throws Exception {
        Path prometheusBinary = ExternalTools.require("prometheus", "apt-get install prometheus");
        ExternalTools.require("promtool", "apt-get install prometheus");
        work = Files.createDirectories(Path.of("target", "prometheus").toAbsolutePath());
        node = TestNodes.echoNode("skein.observability.metrics.tick-interval = 200ms\npekko.loglevel = WARNING\n");
        int metricsPort = node.metricsAddress().orElseThrow().getPort();
        int apiPort = ExternalTools.freePort();
        Path config = work.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: skein
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(metricsPort));
        Path data = work.resolve("data-" + apiPort);
        prometheus = ExternalTools.start(List.of(prometheusBinary.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + data, "--web.listen-address=127.0.0.1:" + apiPort,
                "--storage.tsdb.retention.time=1h"), work, work.resolve("prometheus.log"));
        api = "http://127.0.0.1:" + apiPort;
        Await.until(WAIT, () -> status(api + "/-/ready") == 200,
                () -> "prometheus never got ready:\n" + log());
    }

    @AfterAll
    static void stop() throws Exception {
        ExternalTools.stop(prometheus);
        TestNodes.close(node);
    }

    @Test
    void prometheusScrapesTheNodesRpcMetricsForBothProtocols() throws Exception {
        for (String target : List.of(node.target(), "grpc://127.0.0.1:" + node.address().getPort())) {
            var say = node.client(target, EchoProto.getDescriptor().findServiceByName("Echo"))
                    .unary("Say", EchoRequest.class, EchoReply.class);
            for (int i = 0; i < 5; i++) {
                Await.result(say.call(EchoRequest.newBuilder().setMessage("m" + i).build()), WAIT);
            }
        }
        Await.until(WAIT, () -> query("up{job=\"skein\"}").contains("\"1\""), () -> "target not up:\n" + log());
        for (String system : List.of("skein", "grpc")) {
            String q = "sum(rpc_server_duration_seconds_count{rpc_system=\"" + system
                    + "\",rpc_service=\"skein.examples.echo.Echo\",rpc_method=\"Say\",rpc_status_code=\"OK\"})";
            Await.until(WAIT, () -> value(query(q)) >= 5, () -> q + " = " + query(q));
        }
        String started = "sum(rpc_client_calls_started_total{rpc_method=\"Say\"})";
        Await.until(WAIT, () -> value(query(started)) >= 10, () -> started + " = " + query(started));
        String connections = "sum(rpc_connections_open{side=\"server\"})";
        Await.until(WAIT, () -> value(query(connections)) >= 2, () -> connections + " = " + query(connections));
        String inFlight = "skein_limiter_in_flight{scope=\"server\"}";
        Await.until(WAIT, () -> query(inFlight).contains("\"result\":[{"), () -> inFlight + " = " + query(inFlight));
    }

    @Test
    void promtoolFindsNothingWrongWithTheExposition() throws Exception {
        // Some calls first, so the exposition has histograms, counters and gauges with labels.
        var say = node.client(node.target(), EchoProto.getDescriptor().findServiceByName("Echo"))
                .unary("Say", EchoRequest.class, EchoReply.class);
        Await.result(say.call(EchoRequest.newBuilder().setMessage("x").build()), WAIT);
        String url = "http://127.0.0.1:" + node.metricsAddress().orElseThrow().getPort() + "/metrics";
        Await.until(WAIT, () -> body(url).contains("rpc_server_duration_seconds_bucket{"));
        Path exposition = work.resolve("exposition.txt");
        Files.writeString(exposition, body(url));
        Path out = work.resolve("promtool.log");
        int exit = ExternalTools.run(List.of("promtool", "check", "metrics"), work, Duration.ofSeconds(60), out,
                exposition);
        assertEquals(0, exit, () -> "promtool check metrics:\n" + read(out));
        assertTrue(read(out).isBlank(), () -> "promtool reported:\n" + read(out));
    }

    private static String query(String promql) {
        return body(api + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    /** The first sample's value of an instant-vector query's answer, or -1 when it has none. */
    private static double value(String answer) {
        int at = answer.indexOf("\"value\":[");
        if (at < 0) {
            return -1;
        }
        int open = answer.indexOf('"', answer.indexOf(',', at));
        int close = answer.indexOf('"', open + 1);
        return Double.parseDouble(answer.substring(open + 1, close));
    }

    private static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static String body(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "(GET " + url + " failed: " + e + ")";
        }
    }

    private static String log() {
        return read(work.resolve("prometheus.log"));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (Exception e) {
            return "(" + file + ": " + e + ")";
        }
    }
}
