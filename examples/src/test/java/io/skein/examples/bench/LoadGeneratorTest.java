package io.skein.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.testing.TestNodes;
import io.skein.protocols.StatusCode;
import io.skein.runtime.SkeinNode;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The load generator in-process against a real node serving Echo, over the native protocol and gRPC.
 * Runs are short (about a second); nothing here asserts speed, only that calls are made, counted and
 * measured, and that failures are counted by status code.
 */
class LoadGeneratorTest {

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

    private static String target(String scheme) {
        return scheme + "://127.0.0.1:" + server.address().getPort();
    }

    private static LoadGenerator.Settings shortRun(String scheme, LoadGenerator.Method method) {
        return LoadGenerator.Settings.of(target(scheme), method)
                .withPayloadBytes(64)
                .withConcurrency(8)
                .withDuration(Duration.ofSeconds(1))
                .withWarmup(Duration.ofMillis(200));
    }

    private static void assertOrdered(LoadGenerator.Result r) {
        double p50 = r.percentileMs(50);
        double p90 = r.percentileMs(90);
        double p99 = r.percentileMs(99);
        double p999 = r.percentileMs(99.9);
        double max = r.maxMs();
        assertTrue(p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= p999 && p999 <= max,
                "percentiles out of order: " + BenchCommand.text(r));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"skein, SAY", "grpc, SAY", "skein, CHAT", "grpc, CHAT"})
    void measuresCallsWithoutErrors(String scheme, LoadGenerator.Method method) {
        LoadGenerator.Result r = LoadGenerator.run(CLIENT, shortRun(scheme, method).withConnections(1));
        assertTrue(r.calls() > 0, BenchCommand.text(r));
        assertTrue(r.errors().isEmpty(), BenchCommand.text(r));
        assertFalse(r.unreachable());
        assertEquals(1, r.connections());
        assertEquals(8, r.concurrency());
        assertEquals(r.calls(), r.latency().getTotalCount());
        assertTrue(r.durationSeconds() >= 1.0, "the whole window is measured: " + BenchCommand.text(r));
        assertTrue(r.qps() > 0);
        assertOrdered(r);
    }

    @Test
    void connectionsDefaultToTheClientConfig() {
        LoadGenerator.Result r = LoadGenerator.run(
                ConfigFactory.parseString("skein.client.connections-per-endpoint = 3").withFallback(CLIENT),
                shortRun("skein", LoadGenerator.Method.SAY).withDuration(Duration.ofMillis(300)).withWarmup(Duration.ZERO));
        assertEquals(3, r.connections());
        assertTrue(r.calls() > 0);
        // Without warm-up the window still lasts the whole duration: starting the workers is not part of it.
        assertTrue(r.durationSeconds() >= 0.3, BenchCommand.text(r));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"skein", "grpc"})
    void failedUnaryCallsAreCountedByStatusCode(String scheme) {
        AtomicLong n = new AtomicLong();
        // Every other call fails with RESOURCE_EXHAUSTED (8); the rest succeed.
        LoadGenerator.Result r = LoadGenerator.run(CLIENT, shortRun(scheme, LoadGenerator.Method.SAY)
                .withRequests(() -> EchoRequest.newBuilder().setMessage("x")
                        .setFailWith(n.incrementAndGet() % 2 == 0 ? 8 : 0).build()));
        Long exhausted = r.errors().get(StatusCode.RESOURCE_EXHAUSTED);
        assertTrue(exhausted != null && exhausted > 0, BenchCommand.text(r));
        assertEquals(1, r.errors().size(), BenchCommand.text(r));
        assertTrue(r.calls() > exhausted, "failed calls are part of the calls, successes too: " + BenchCommand.text(r));
        assertFalse(r.unreachable());
        assertOrdered(r);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"skein", "grpc"})
    void failedChatStreamsAreCountedAndReopened(String scheme) {
        AtomicLong n = new AtomicLong();
        // Every 5th message fails its stream with ABORTED (10); the worker reopens and keeps going.
        LoadGenerator.Result r = LoadGenerator.run(CLIENT, shortRun(scheme, LoadGenerator.Method.CHAT)
                .withRequests(() -> EchoRequest.newBuilder().setMessage("x")
                        .setFailWith(n.incrementAndGet() % 5 == 0 ? 10 : 0).build()));
        Long aborted = r.errors().get(StatusCode.ABORTED);
        assertTrue(aborted != null && aborted > 8, "more failed streams than workers: " + BenchCommand.text(r));
        assertEquals(1, r.errors().size(), BenchCommand.text(r));
        assertTrue(r.calls() > aborted, BenchCommand.text(r));
        assertOrdered(r);
    }

    @Test
    void callsPastTheTimeoutFailWithDeadlineExceeded() {
        LoadGenerator.Result r = LoadGenerator.run(CLIENT, shortRun("skein", LoadGenerator.Method.SAY)
                .withConcurrency(2)
                .withTimeout(Duration.ofMillis(20))
                .withRequests(() -> EchoRequest.newBuilder().setDelayMs(1000).build()));
        Long expired = r.errors().get(StatusCode.DEADLINE_EXCEEDED);
        assertTrue(expired != null && expired > 0, BenchCommand.text(r));
        assertEquals(r.calls(), (long) expired, BenchCommand.text(r));
    }

    @Test
    void aTargetNobodyListensOnIsUnreachable() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        LoadGenerator.Result r = LoadGenerator.run(CLIENT,
                LoadGenerator.Settings.of("skein://127.0.0.1:" + port, LoadGenerator.Method.SAY)
                        .withConcurrency(2).withDuration(Duration.ofSeconds(1)).withWarmup(Duration.ZERO));
        assertTrue(r.unreachable(), BenchCommand.text(r));
        assertEquals(r.calls(), (long) r.errors().getOrDefault(StatusCode.UNAVAILABLE, 0L), BenchCommand.text(r));
    }

    private static LoadGenerator.Settings openRun(double rate, int maxInFlight) {
        return LoadGenerator.Settings.of(target("skein"), LoadGenerator.Method.SAY)
                .withPayloadBytes(16)
                .withRate(rate)
                .withMaxInFlight(maxInFlight)
                .withDuration(Duration.ofSeconds(1))
                .withWarmup(Duration.ofMillis(200));
    }

    private static void assertConsistent(LoadGenerator.Result r) {
        String text = BenchCommand.text(r);
        assertEquals(r.calls(), r.okCalls() + r.errorCount(), text);
        assertEquals(r.calls(), r.latency().getTotalCount(), text);
        assertEquals(r.okCalls(), r.okLatency().getTotalCount(), text);
        r.refusals().forEach((code, n) -> assertTrue(n <= r.errors().getOrDefault(code, 0L), text));
    }

    @Test
    void openLoopKeepsSendingWhateverTheAnswersDo() {
        // Every answer takes 2 s, longer than the whole window: a closed loop would send one call per worker;
        // the open loop keeps to its schedule and nothing completes within the window.
        LoadGenerator.Result r = LoadGenerator.run(CLIENT, openRun(100, 10_000).withWarmup(Duration.ZERO)
                .withRequests(() -> EchoRequest.newBuilder().setDelayMs(2000).build()));
        assertNotNull(r.openLoop(), BenchCommand.text(r));
        assertTrue(r.openLoop().sent() >= 10, "sent on schedule without answers: " + BenchCommand.text(r));
        assertEquals(0, r.calls(), BenchCommand.text(r));
        assertEquals(0, r.openLoop().boundHits(), BenchCommand.text(r));
        assertConsistent(r);
    }

    @Test
    void theBoundOnCallsInFlightHoldsAndIsReportedAndItsWaitCountsInTheLatency() {
        // 4 places, 200 ms per call, 200 calls/s asked: the bound is full nearly all the time.
        LoadGenerator.Result r = LoadGenerator.run(CLIENT, openRun(200, 4)
                .withRequests(() -> EchoRequest.newBuilder().setDelayMs(200).build()));
        String text = BenchCommand.text(r);
        assertTrue(r.openLoop().peakInFlight() <= 4, text);
        assertTrue(r.openLoop().boundHits() > 0, text);
        assertTrue(r.okCalls() > 0, text);
        // At most 4 calls per 200 ms are answered while 200 calls/s are due: calls answered late in the
        // window were scheduled long before, and their latency counts from then (no coordinated omission).
        assertTrue(r.okMaxMs() >= 600, "latency counted from the schedule: " + text);
        assertTrue(r.okPercentileMs(50) >= 200, text);
        assertConsistent(r);
    }

    @Test
    void openLoopCountsOkCallsApartFromFailuresAndRefusalsApartFromOtherErrors() {
        AtomicLong n = new AtomicLong();
        // A third fail with NOT_FOUND (5), a third with RESOURCE_EXHAUSTED (8): only those are refusals.
        LoadGenerator.Result r = LoadGenerator.run(CLIENT, openRun(300, 10_000)
                .withRequests(() -> EchoRequest.newBuilder().setMessage("x")
                        .setFailWith(new int[] {0, 5, 8}[(int) (n.incrementAndGet() % 3)]).build()));
        String text = BenchCommand.text(r);
        assertTrue(r.okCalls() > 0 && r.errors().get(StatusCode.NOT_FOUND) > 0, text);
        assertEquals(r.errors().get(StatusCode.RESOURCE_EXHAUSTED), r.refusals().get(StatusCode.RESOURCE_EXHAUSTED), text);
        assertEquals(1, r.refusals().size(), text);
        assertTrue(r.okQps() < r.qps(), text);
        assertConsistent(r);
    }

    @Test
    void closedLoopAlsoKeepsTheOkCallsApart() {
        AtomicLong n = new AtomicLong();
        LoadGenerator.Result r = LoadGenerator.run(CLIENT, shortRun("skein", LoadGenerator.Method.SAY)
                .withRequests(() -> EchoRequest.newBuilder().setFailWith(n.incrementAndGet() % 2 == 0 ? 5 : 0).build()));
        assertNull(r.openLoop());
        assertTrue(r.okCalls() > 0 && r.errorCount() > 0, BenchCommand.text(r));
        assertTrue(r.refusals().isEmpty(), BenchCommand.text(r));
        assertConsistent(r);
    }
}
