package io.skein.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.examples.Main;
import io.skein.runtime.cli.ExitCodes;
import io.skein.examples.testing.TestNodes;
import io.skein.runtime.SkeinNode;
import io.skein.runtime.cli.Args;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@code bench} command: its options, its exit codes, and its text and JSON output. */
class BenchCommandTest {

    private static final Config CLIENT = ConfigFactory.parseString("pekko.loglevel = WARNING")
            .withFallback(ConfigFactory.load());

    private static SkeinNode server;

    @BeforeAll
    static void start() {
        server = TestNodes.echoNode();
    }

    @AfterAll
    static void stop() {
        TestNodes.close(server);
    }

    private static LoadGenerator.Settings parse(String... argv) {
        return BenchCommand.settings(Args.parse(argv, BenchCommand.OPTIONS, BenchCommand.FLAGS));
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Args args = Args.parse(argv, BenchCommand.OPTIONS, BenchCommand.FLAGS);
        int code = BenchCommand.run(BenchCommand.settings(args), CLIENT, args.has("json"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Struct json(String text) {
        Struct.Builder b = Struct.newBuilder();
        try {
            JsonFormat.parser().merge(text, b);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
        return b.build();
    }

    private String target(String scheme) {
        return scheme + "://127.0.0.1:" + server.address().getPort();
    }

    @Test
    void defaults() {
        LoadGenerator.Settings s = parse("--target", "skein://127.0.0.1:1");
        assertEquals(LoadGenerator.Method.SAY, s.method());
        assertEquals(1024, s.payloadBytes());
        assertEquals(100, s.concurrency());
        assertNull(s.connections());
        assertEquals(Duration.ofSeconds(10), s.duration());
        assertEquals(Duration.ofSeconds(5), s.warmup());
        assertNull(s.timeout());
        assertEquals(0, s.cpuMicros());
        assertFalse(s.openLoop());
    }

    @Test
    void rateMakesTheRunOpenLoopWithABoundOnCallsInFlight() {
        LoadGenerator.Settings s = parse("--target", "skein://h:1", "--rate", "2500.5", "--cpu-us", "50");
        assertTrue(s.openLoop());
        assertEquals(2500.5, s.rate());
        assertEquals(50, s.cpuMicros());
        assertEquals(LoadGenerator.Settings.DEFAULT_MAX_IN_FLIGHT, s.maxInFlight());
        assertEquals(64, parse("--target", "skein://h:1", "--rate", "10", "--max-in-flight", "64").maxInFlight());
    }

    @Test
    void everyOption() {
        LoadGenerator.Settings s = parse("--target", "grpc://h:9", "--method", "skein.examples.echo.Echo/Chat",
                "--payload", "0", "--concurrency", "7", "--connections", "3", "--duration", "2.5", "--warmup", "0",
                "--timeout", "250", "--json");
        assertEquals("grpc://h:9", s.target());
        assertEquals(LoadGenerator.Method.CHAT, s.method());
        assertEquals(0, s.payloadBytes());
        assertEquals(7, s.concurrency());
        assertEquals(3, s.connections());
        assertEquals(Duration.ofMillis(2500), s.duration());
        assertEquals(Duration.ZERO, s.warmup());
        assertEquals(Duration.ofMillis(250), s.timeout());
        assertEquals(LoadGenerator.Method.SAY, parse("--target", "skein://h:1", "--method", "Echo/Say").method());
    }

    @Test
    void usageErrorsExitWithTheUsageCodeAndAMissingConfigWithTheConfigCode() {
        for (List<String> argv : List.of(
                List.of("bench"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "--method", "Echo/Repeat"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "--concurrency", "0"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "--concurrency", "many"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "--connections", "0"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "--duration", "0"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "--warmup", "-1"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "--timeout", "0"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "--payload", "-1"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "--bogus", "1"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "extra"),
                List.of("bench", "--target", "127.0.0.1:1"),
                List.of("bench", "--target", "skein://127.0.0.1"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "--rate", "0"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "--rate", "fast"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "--rate", "10", "--concurrency", "5"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "--rate", "10", "--method", "Echo/Chat"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "--rate", "10", "--max-in-flight", "0"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "--max-in-flight", "10"),
                List.of("bench", "--target", "skein://127.0.0.1:1", "--cpu-us", "-1"))) {
            assertEquals(ExitCodes.USAGE, Main.run(argv.toArray(String[]::new)), String.join(" ", argv));
        }
        assertEquals(ExitCodes.CONFIG, Main.run(new String[] {"bench", "--target", "skein://127.0.0.1:1", "--config",
                "/no/such/file.conf"}));
        assertThrows(IllegalArgumentException.class, () -> parse("--target", "skein://h:1", "--method", "Chat"));
    }

    @Test
    void jsonIsOneObjectWithEveryField() {
        Run run = run("--target", target("skein"), "--method", "Echo/Say", "--payload", "16", "--concurrency", "4",
                "--connections", "1", "--duration", "1", "--warmup", "0.2", "--json");
        assertEquals(0, run.code(), run.err());
        String out = run.out().strip();
        assertTrue(out.startsWith("{") && out.endsWith("}") && !out.contains("\n"), out);
        Struct s = json(out);
        assertEquals(target("skein"), s.getFieldsOrThrow("target").getStringValue());
        assertEquals("skein.examples.echo.Echo/Say", s.getFieldsOrThrow("method").getStringValue());
        assertEquals(16, s.getFieldsOrThrow("payloadBytes").getNumberValue());
        assertEquals(4, s.getFieldsOrThrow("concurrency").getNumberValue());
        assertEquals(1, s.getFieldsOrThrow("connections").getNumberValue());
        assertTrue(s.getFieldsOrThrow("durationSeconds").getNumberValue() >= 1.0, out);
        assertTrue(s.getFieldsOrThrow("calls").getNumberValue() > 0, out);
        assertEquals(0, s.getFieldsOrThrow("errors").getStructValue().getFieldsCount(), out);
        assertTrue(s.getFieldsOrThrow("qps").getNumberValue() > 0, out);
        Struct latency = s.getFieldsOrThrow("latencyMs").getStructValue();
        double last = 0;
        for (String p : List.of("p50", "p90", "p99", "p999", "max")) {
            double v = latency.getFieldsOrThrow(p).getNumberValue();
            assertTrue(v >= last && v > 0, p + " in " + out);
            last = v;
        }
        assertTrue(latency.getFieldsOrThrow("mean").getNumberValue() > 0, out);
        assertEquals("closed", s.getFieldsOrThrow("mode").getStringValue());
        assertEquals(0, s.getFieldsOrThrow("cpuMicros").getNumberValue());
        assertEquals(s.getFieldsOrThrow("calls").getNumberValue(), s.getFieldsOrThrow("okCalls").getNumberValue(), out);
        assertEquals(0, s.getFieldsOrThrow("refusals").getStructValue().getFieldsCount(), out);
        assertTrue(s.getFieldsOrThrow("okQps").getNumberValue() > 0, out);
        assertPercentiles(s.getFieldsOrThrow("okLatencyMs").getStructValue(), out);
        assertEquals(17, s.getFieldsCount(), out);
    }

    @Test
    void openLoopJsonReportsTheScheduleAndTheOkCallsApart() {
        Run run = run("--target", target("skein"), "--rate", "200", "--max-in-flight", "50", "--cpu-us", "10",
                "--payload", "8", "--duration", "1", "--warmup", "0.2", "--json");
        assertEquals(0, run.code(), run.err());
        Struct s = json(run.out().strip());
        assertEquals("open", s.getFieldsOrThrow("mode").getStringValue());
        assertEquals(200, s.getFieldsOrThrow("rate").getNumberValue());
        assertEquals(50, s.getFieldsOrThrow("maxInFlight").getNumberValue());
        assertEquals(10, s.getFieldsOrThrow("cpuMicros").getNumberValue());
        assertFalse(s.containsFields("concurrency"), run.out());
        for (String field : List.of("sent", "sentQps", "boundHits", "peakInFlight", "maxSendLagMs", "okQps")) {
            assertTrue(s.containsFields(field), field + " in " + run.out());
        }
        assertTrue(s.getFieldsOrThrow("peakInFlight").getNumberValue() <= 50, run.out());
        assertTrue(s.getFieldsOrThrow("okCalls").getNumberValue() > 0, run.out());
        assertPercentiles(s.getFieldsOrThrow("okLatencyMs").getStructValue(), run.out());
    }

    private static void assertPercentiles(Struct latency, String out) {
        double last = 0;
        for (String p : List.of("p50", "p90", "p99", "p999", "max")) {
            double v = latency.getFieldsOrThrow(p).getNumberValue();
            assertTrue(v >= last && v > 0, p + " in " + out);
            last = v;
        }
    }

    @Test
    void refusalsAppearInJsonByCodeApartFromOtherErrors() {
        AtomicLong n = new AtomicLong();
        // RESOURCE_EXHAUSTED is what a limit answers: counted as an error and as a refusal; NOT_FOUND only as an error.
        LoadGenerator.Result r = LoadGenerator.run(CLIENT, LoadGenerator.Settings.of(target("skein"),
                        LoadGenerator.Method.SAY).withConcurrency(2).withDuration(Duration.ofMillis(500))
                .withWarmup(Duration.ZERO)
                .withRequests(() -> io.skein.examples.echo.EchoRequest.newBuilder()
                        .setFailWith(n.incrementAndGet() % 2 == 0 ? 8 : 5).build()));
        Struct s = json(BenchCommand.json(r));
        Struct errors = s.getFieldsOrThrow("errors").getStructValue();
        Struct refusals = s.getFieldsOrThrow("refusals").getStructValue();
        assertTrue(errors.getFieldsOrThrow("NOT_FOUND").getNumberValue() > 0, BenchCommand.json(r));
        assertEquals(errors.getFieldsOrThrow("RESOURCE_EXHAUSTED").getNumberValue(),
                refusals.getFieldsOrThrow("RESOURCE_EXHAUSTED").getNumberValue(), BenchCommand.json(r));
        assertEquals(1, refusals.getFieldsCount(), BenchCommand.json(r));
        assertEquals(0, s.getFieldsOrThrow("okCalls").getNumberValue());
    }

    @Test
    void textNamesEveryFigure() {
        Run run = run("--target", target("grpc"), "--method", "Echo/Chat", "--concurrency", "2", "--duration", "0.5",
                "--warmup", "0");
        assertEquals(0, run.code(), run.err());
        for (String name : List.of("target", "method", "payload", "concurrency", "connections", "duration",
                "messages", "msgs/s", "p50", "p90", "p99", "p99.9", "max", "errors", "refusals", "ok", "ok p50/p99",
                "mode")) {
            assertTrue(run.out().lines().anyMatch(l -> l.startsWith(name + " ")), name + " in\n" + run.out());
        }
        assertTrue(run.out().lines().anyMatch(l -> l.matches("p99\\.9 +\\d+\\.\\d{3} ms")), run.out());
    }

    @Test
    void errorsAppearInJsonByCode() {
        LoadGenerator.Result r = LoadGenerator.run(CLIENT, LoadGenerator.Settings.of(target("skein"),
                        LoadGenerator.Method.SAY).withConcurrency(2).withDuration(Duration.ofMillis(500))
                .withWarmup(Duration.ZERO)
                .withRequests(() -> io.skein.examples.echo.EchoRequest.newBuilder().setFailWith(5).build()));
        Struct s = json(BenchCommand.json(r));
        Value notFound = s.getFieldsOrThrow("errors").getStructValue().getFieldsOrThrow("NOT_FOUND");
        assertEquals(s.getFieldsOrThrow("calls").getNumberValue(), notFound.getNumberValue());
        assertTrue(notFound.getNumberValue() > 0);
    }

    @Test
    void anUnreachableTargetExitsWithOne() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Run run = run("--target", "grpc://127.0.0.1:" + port, "--concurrency", "2", "--duration", "1", "--warmup", "0",
                "--json");
        assertEquals(1, run.code(), run.out());
        assertTrue(json(run.out().strip()).getFieldsOrThrow("errors").getStructValue().containsFields("UNAVAILABLE"),
                run.out());
        assertTrue(run.err().contains("cannot reach"), run.err());
    }
}
