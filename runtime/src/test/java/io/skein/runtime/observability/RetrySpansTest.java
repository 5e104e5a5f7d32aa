package io.skein.runtime.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.skein.actors.FunctionalService;
import io.skein.actors.client.ServiceClient;
import io.skein.governance.chain.ClientGovernance;
import io.skein.governance.chain.GovernedChannel;
import io.skein.governance.discovery.Instance;
import io.skein.governance.discovery.StaticInstanceSource;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.runtime.SkeinNode;
import io.skein.runtime.reflection.Greeters;
import io.skein.runtime.reflection.testing.GreetReply;
import io.skein.runtime.reflection.testing.GreetRequest;
import io.skein.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import kamon.Kamon;
import kamon.module.SpanReporter;
import kamon.trace.Span;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * A retried call, and a call with a backup request, is one logical client span with one child span per
 * attempt, each the parent of the server span it caused; the service saw its server span's ids in the
 * SLF4J MDC. Spans are read from
 * Kamon itself through a span reporter, as an exporter would get them.
 */
class RetrySpansTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String SERVICE = "skein.reflect.test.Greeter";

    private final List<Span.Finished> finished = new CopyOnWriteArrayList<>();
    private final List<String> mdcTraceIds = new CopyOnWriteArrayList<>();
    private SkeinNode node;
    private GovernedChannel channel;

    @AfterEach
    void stop() {
        if (channel != null) {
            Await.result(channel.closeAsync(), WAIT);
        }
        Greeters.close(node);
    }

    /** Starts a node whose Greet runs {@code greet}, with a reporter collecting Kamon's finished spans. */
    private void start(java.util.function.BiFunction<GreetRequest, io.skein.transport.CallContext,
            java.util.concurrent.CompletionStage<GreetReply>> greet) {
        startNode(greet, "100ms");
        report();
    }

    /** Starts a node whose Greet runs {@code greet}, Kamon's trace tick {@code tick}; no span reporter yet. */
    private void startNode(java.util.function.BiFunction<GreetRequest, io.skein.transport.CallContext,
            java.util.concurrent.CompletionStage<GreetReply>> greet, String tick) {
        node = SkeinNode.builder()
                .config(ConfigFactory.parseString("skein.server { host = \"127.0.0.1\", port = 0 }\n"
                        + "skein.observability { http.enabled = off, tracing { sampler = always,"
                        + " tick-interval = " + tick + " } }\npekko.loglevel = WARNING"))
                .service(FunctionalService.builder(Greeters.GREETER)
                        .<GreetRequest, GreetReply>unary("Greet", (req, ctx) -> {
                            mdcTraceIds.add(String.valueOf(MDC.get("traceId")) + "/" + MDC.get("spanId"));
                            return greet.apply(req, ctx);
                        })
                        .build())
                .start();
    }

    /**
     * Registers a reporter collecting Kamon's finished spans, as an application registering its own would,
     * and has the node check for span reporters now rather than at its next trace tick.
     */
    private void report() {
        Kamon.addReporter("retry-spans-test", new SpanReporter() {
            @Override
            public void reportSpans(scala.collection.immutable.Seq<Span.Finished> spans) {
                spans.foreach(s -> finished.add(s));
            }

            @Override
            public void stop() {
            }

            @Override
            public void reconfigure(com.typesafe.config.Config config) {
            }
        });
        ((KamonCallObserver) node.observability().observer()).checkSpanReporters();
    }

    /** Calls Greet once through a governed channel with {@code methodPolicy} for Greet. */
    private GreetReply greet(String methodPolicy) {
        channel = ClientGovernance.builder(node.system(), SERVICE)
                .config(ConfigFactory.parseString("skein.client.services.\"" + SERVICE + "\".methods.Greet {"
                        + methodPolicy + " }").withFallback(ConfigFactory.load()))
                .instances(StaticInstanceSource.of(SERVICE, List.of(Instance.of("n1", "127.0.0.1",
                        node.address().getPort()))))
                .build();
        return Await.result(ServiceClient.create(node.system(), channel, Greeters.GREETER)
                .unary("Greet", GreetRequest.class, GreetReply.class)
                .call(GreetRequest.newBuilder().setName("r").build()), WAIT);
    }

    @Test
    void aRetriedCallIsOneClientSpanWithAChildSpanPerAttempt() {
        AtomicInteger calls = new AtomicInteger();
        start((req, ctx) -> calls.incrementAndGet() == 1
                ? CompletableFuture.failedFuture(new StatusException(StatusCode.UNAVAILABLE, "once"))
                : CompletableFuture.completedFuture(GreetReply.newBuilder().setText("ok").build()));
        assertEquals("ok", greet("idempotent = true, retry.max-retries = 2").getText());

        List<Span.Finished> attempts = assertAttemptsUnderOneOkCall(2);
        assertTrue(attempts.stream().anyMatch(Span.Finished::hasError), "the failed attempt is an error span");
        for (Span.Finished attempt : attempts) {
            Span.Finished server = one(s -> isServer(s) && s.parentId().equals(attempt.id()));
            assertEquals(attempt.tags().get(kamon.tag.Lookups.plain("rpc.status_code")),
                    server.tags().get(kamon.tag.Lookups.plain("rpc.status_code")));
        }
    }

    @Test
    void aSampledCallPropagatesItsIdsButGetsAKamonSpanOnlyOnceASpanReporterIsRegistered() {
        // A long trace tick: Kamon keeps finished spans until its tick, then hands them to the reporters
        // registered at that moment, so spans made by the first call would reach the reporter added below.
        startNode((req, ctx) -> CompletableFuture.completedFuture(GreetReply.newBuilder().setText("ok").build()), "5s");
        assertEquals("ok", greet("idempotent = true").getText()); // sampled (sampler = always), nothing reports
        report();
        String unreported = mdcTraceIds.get(0).split("/")[0];
        assertEquals(32, unreported.length(), "the service saw the call's trace id all the same");

        Await.result(channel.closeAsync(), WAIT);
        assertEquals("ok", greet("idempotent = true").getText());
        String reported = mdcTraceIds.get(1).split("/")[0];
        Await.until(WAIT, () -> finished.stream().anyMatch(s -> isServer(s)
                && s.trace().id().string().equals(reported)), () -> "spans: " + finished);
        // Both calls' spans, had the first made any, would have reached the reporter at the same tick.
        assertTrue(finished.stream().noneMatch(s -> s.trace().id().string().equals(unreported)),
                () -> "spans of the call made with no reporter: " + finished);
    }

    @Test
    void aBackupRequestIsAnAttemptSpanBesideTheFirstUnderTheSameCall() {
        // The first attempt answers only once the backup has arrived, so a backup is always sent.
        CompletableFuture<GreetReply> backupArrived = new CompletableFuture<>();
        AtomicInteger calls = new AtomicInteger();
        start((req, ctx) -> {
            if (calls.incrementAndGet() == 1) {
                return backupArrived;
            }
            backupArrived.complete(GreetReply.newBuilder().setText("first").build());
            return CompletableFuture.completedFuture(GreetReply.newBuilder().setText("backup").build());
        });
        String winner = greet("idempotent = true, retry.enabled = false, backup { enabled = true, delay = 20ms }")
                .getText();
        assertTrue(winner.equals("first") || winner.equals("backup"), winner);
        List<Span.Finished> attempts = assertAttemptsUnderOneOkCall(2);
        assertTrue(attempts.stream().anyMatch(a -> !a.hasError()), "the winning attempt succeeded");
    }

    /**
     * Waits for a logical client span with {@code n} attempt spans under it, each the parent of one server
     * span in whose ids the service logged; the call ended OK. Returns the attempt spans.
     */
    private List<Span.Finished> assertAttemptsUnderOneOkCall(int n) {
        Await.until(WAIT, () -> finished.stream().filter(RetrySpansTest::isServer).count() >= n
                && finished.stream().filter(s -> isClient(s)).count() >= n + 1, () -> "spans: " + finished);
        Span.Finished call = one(s -> isClient(s) && s.parentId().isEmpty());
        List<Span.Finished> attempts = finished.stream()
                .filter(s -> isClient(s) && s.parentId().equals(call.id())).toList();
        assertEquals(n, attempts.size(), () -> "attempts of " + call + ": " + finished);
        for (Span.Finished attempt : attempts) {
            assertEquals(call.trace().id(), attempt.trace().id());
            Span.Finished server = one(s -> isServer(s) && s.parentId().equals(attempt.id()));
            assertTrue(mdcTraceIds.contains(server.trace().id().string() + "/" + server.id().string()),
                    () -> "the service logged with " + mdcTraceIds + ", server span " + server.id().string());
        }
        assertFalse(call.hasError(), "the call succeeded");
        assertEquals("OK", call.tags().get(kamon.tag.Lookups.plain("rpc.status_code")));
        return attempts;
    }

    private static boolean isClient(Span.Finished s) {
        return s.kind().toString().equalsIgnoreCase("client");
    }

    private static boolean isServer(Span.Finished s) {
        return s.kind().toString().equalsIgnoreCase("server");
    }

    private Span.Finished one(java.util.function.Predicate<Span.Finished> match) {
        List<Span.Finished> found = finished.stream().filter(match).toList();
        assertEquals(1, found.size(), () -> "spans matching: " + found + " of " + finished);
        return found.get(0);
    }
}
