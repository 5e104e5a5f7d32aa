package io.skein.examples.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.examples.testing.ChildJvm;
import io.skein.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * What an operator sees of a node from the command line: {@code serve} prints its metrics endpoint and
 * logs what it serves and what it drained; {@code call ... grpc.health.v1.Health/Check} answers over
 * both protocols; {@code stats} prints the node's key figures from that endpoint, and one clear line
 * when nothing answers. Real child JVMs running the CLI.
 */
class ObservabilityCliTest {

    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration RUN = Duration.ofSeconds(90);
    private static final Pattern LISTENING = Pattern.compile("^listening on 127\\.0\\.0\\.1:(\\d+)$");
    private static final Pattern METRICS = Pattern.compile("^metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics$");

    @AfterAll
    static void killChildren() {
        ChildJvm.killAll();
    }

    @Test
    void serveShowsItsEndpointAnswersHealthChecksAndStatsPrintsItsCalls() {
        ChildJvm server = ChildJvm.start(Map.of("SKEIN_LOG_LEVEL", "INFO"),
                List.of("-Dskein.observability.http.host=127.0.0.1", "-Dskein.observability.http.port=0",
                        "-Dskein.observability.metrics.tick-interval=200ms"),
                "serve", "--port", "0", "--host", "127.0.0.1");
        Matcher listening = LISTENING.matcher(server.awaitLine(l -> LISTENING.matcher(l).matches(), START));
        assertTrue(listening.matches());
        String port = listening.group(1);
        Matcher metrics = METRICS.matcher(server.awaitLine(l -> METRICS.matcher(l).matches(), START));
        assertTrue(metrics.matches());
        String metricsPort = metrics.group(1);

        ChildJvm overall = ChildJvm.start("call", "grpc://127.0.0.1:" + port, "grpc.health.v1.Health/Check", "{}");
        assertEquals(0, overall.awaitExit(RUN), overall::toString);
        assertEquals(List.of("{\"status\":\"SERVING\"}"), overall.stdout(), overall::toString);
        ChildJvm echo = ChildJvm.start("call", "skein://127.0.0.1:" + port, "grpc.health.v1.Health/Check",
                "{\"service\":\"skein.examples.echo.Echo\"}");
        assertEquals(0, echo.awaitExit(RUN), echo::toString);
        assertEquals(List.of("{\"status\":\"SERVING\"}"), echo.stdout(), echo::toString);
        ChildJvm say = ChildJvm.start("call", "skein://127.0.0.1:" + port, "skein.examples.echo.Echo/Say",
                "{\"message\":\"observed\"}");
        assertEquals(0, say.awaitExit(RUN), say::toString);

        AtomicReference<ChildJvm> last = new AtomicReference<>();
        Await.until(RUN, () -> {
            ChildJvm stats = ChildJvm.start("stats", "127.0.0.1:" + metricsPort);
            last.set(stats);
            return stats.awaitExit(RUN) == 0 && stats.stdout().stream().anyMatch(l ->
                    l.matches("\\s+skein\\.examples\\.echo\\.Echo/Say\\s+skein\\s+OK\\s+\\d+\\s+\\d+\\.\\d{3}"));
        }, () -> "stats never showed the Say call: " + last.get());
        List<String> out = last.get().stdout();
        assertEquals("metrics of http://127.0.0.1:" + metricsPort + "/metrics", out.get(0), last.get()::toString);
        assertTrue(out.stream().anyMatch(l -> l.matches("\\s+grpc\\.health\\.v1\\.Health/Check\\s+grpc\\s+OK\\s+.*")),
                last.get()::toString);
        assertTrue(out.stream().anyMatch(l -> l.startsWith("connections open: ")), last.get()::toString);

        assertTrue(server.stderr().contains("serving [skein.examples.echo.Echo] on 127.0.0.1:" + port
                + " (protocols skein, grpc); metrics on http://127.0.0.1:" + metricsPort + "/metrics"), server::toString);
        server.process().destroy(); // SIGTERM
        int exit = server.awaitExit(Duration.ofSeconds(30));
        assertTrue(exit == 0 || exit == 143, "exit code " + exit + "; " + server);
        assertTrue(server.stderr().contains("stopped serving: drained"), server::toString);
    }

    @Test
    void statsSaysInOneLineWhenNothingAnswers() {
        ChildJvm stats = ChildJvm.start("stats", "127.0.0.1:" + closedPort());
        assertEquals(14, stats.awaitExit(RUN), stats::toString);
        assertEquals(List.of(), stats.stdout());
        List<String> err = stats.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, err.size(), stats::toString);
        assertTrue(err.get(0).startsWith("ERROR UNAVAILABLE: nothing answers at http://127.0.0.1:"), stats::toString);
    }

    private static int closedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
