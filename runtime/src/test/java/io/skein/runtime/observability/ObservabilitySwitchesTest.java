package io.skein.runtime.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.skein.actors.FunctionalService;
import io.skein.actors.protobuf.ProtobufMarshaller;
import io.skein.protocols.CallKind;
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
import io.skein.transport.MethodDescriptor;
import io.skein.transport.observe.CallObserver;
import io.skein.transport.observe.TraceContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The parts of {@code skein.observability} switch off one by one, the sampler decides what is sampled
 * (a caller's decision is followed), and the metrics' label sets stay bounded whatever peers send.
 */
class ObservabilitySwitchesTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private final List<CallContext> seen = new CopyOnWriteArrayList<>();
    private SkeinNode node;

    @AfterEach
    void stop() {
        Greeters.close(node);
    }

    private SkeinNode start(String observability) {
        node = SkeinNode.builder()
                .config(ConfigFactory.parseString("skein.server { host = \"127.0.0.1\", port = 0 }\n"
                        + "skein.observability { http { host = \"127.0.0.1\", port = 0 }, metrics.tick-interval = 200ms }\n"
                        + "skein.observability { " + observability + " }\npekko.loglevel = WARNING"))
                .service(FunctionalService.builder(Greeters.GREETER)
                        .<GreetRequest, GreetReply>unary("Greet", (req, ctx) -> {
                            seen.add(ctx);
                            return CompletableFuture.completedFuture(GreetReply.newBuilder().setText("hi").build());
                        })
                        .build())
                .start();
        return node;
    }

    private CallContext greet(String target, CallOptions options) {
        seen.clear();
        Await.result(node.client(target, Greeters.GREETER).unary("Greet", GreetRequest.class, GreetReply.class)
                .call(GreetRequest.newBuilder().setName("s").build(), options), WAIT);
        return seen.get(0);
    }

    private String metricsUrl() {
        return "http://127.0.0.1:" + node.metricsAddress().orElseThrow().getPort();
    }

    @Test
    void withTracingOffNoTraceTravelsButMetricsStillCount() {
        start("tracing.enabled = off, tracing.sampler = always");
        CallContext ctx = greet(node.target(), CallOptions.DEFAULT);
        assertTrue(ctx.trace().isEmpty(), "no server span");
        assertNull(ctx.metadata().get(TraceContext.TRACEPARENT), "no traceparent on the wire");
        Await.until(WAIT, () -> ObservedNodeTest.series(ObservedNodeTest.get(metricsUrl() + "/metrics").body(),
                "rpc_server_calls_finished_total", "rpc_method=\"Greet\"") >= 1, () -> "metrics without tracing");
    }

    @Test
    void withMetricsOffTheEndpointSaysSoAndHealthStillAnswers() {
        start("metrics.enabled = off");
        greet(node.target(), CallOptions.DEFAULT);
        var metrics = ObservedNodeTest.get(metricsUrl() + "/metrics");
        assertEquals(404, metrics.statusCode());
        assertEquals("metrics are off (skein.observability.metrics.enabled)", metrics.body().strip());
        assertEquals(200, ObservedNodeTest.get(metricsUrl() + "/health").statusCode());
    }

    @Test
    void withObservabilityOffTheNodeHasNoEndpointNoObserverAndStillAnswersHealthChecks() {
        start("enabled = off");
        assertTrue(node.metricsAddress().isEmpty());
        assertSame(CallObserver.NONE, node.observability().observer());
        CallContext ctx = greet(node.target(), CallOptions.DEFAULT);
        assertTrue(ctx.trace().isEmpty());
        HealthCheckResponse health = Await.result(node.client(node.target(),
                        HealthProto.getDescriptor().findServiceByName("Health"))
                .unary("Check", HealthCheckRequest.class, HealthCheckResponse.class)
                .call(HealthCheckRequest.getDefaultInstance()), WAIT);
        assertEquals(ServingStatus.SERVING, health.getStatus());
    }

    @Test
    void theSamplerDecidesNewTracesAndACallersDecisionIsFollowed() {
        start("tracing.sampler = never");
        for (String target : List.of(node.target(), "grpc://127.0.0.1:" + node.address().getPort())) {
            TraceContext fresh = greet(target, CallOptions.DEFAULT).trace().orElseThrow();
            assertFalse(fresh.sampled(), "a new trace under sampler = never: " + target);
            TraceContext caller = new TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true, "");
            TraceContext continued = greet(target, CallOptions.DEFAULT.withParentTrace(caller)).trace().orElseThrow();
            assertEquals(caller.traceId(), continued.traceId());
            assertTrue(continued.sampled(), "the caller sampled this trace: " + target);
            TraceContext unsampled = new TraceContext("5bf92f3577b34da6a3ce929d0e0e4736", "10f067aa0ba902b7", false, "");
            assertFalse(greet(target, CallOptions.DEFAULT.withParentTrace(unsampled)).trace().orElseThrow().sampled());
        }
    }

    @Test
    void theSamplerSamplesEveryNewTraceWhenAlways() {
        start("tracing.sampler = always");
        TraceContext fresh = greet(node.target(), CallOptions.DEFAULT).trace().orElseThrow();
        assertTrue(fresh.sampled());
        String sent = seen.get(0).metadata().get(TraceContext.TRACEPARENT);
        assertEquals(fresh.traceId(), TraceContext.parse(sent, null).traceId(), "client and server share the trace");
        assertNotEquals(fresh.spanId(), TraceContext.parse(sent, null).spanId());
    }

    @Test
    void labelsStayBoundedWhateverMethodNamesPeersSend() {
        start("tracing.sampler = always");
        for (int i = 0; i < 20; i++) {
            MethodDescriptor<GreetRequest, GreetReply> bogus = new MethodDescriptor<>(
                    "skein.reflect.test.Greeter/Bogus" + i, CallKind.UNARY,
                    ProtobufMarshaller.of(GreetRequest.getDefaultInstance()),
                    ProtobufMarshaller.of(GreetReply.getDefaultInstance()));
            Throwable t = Await.failure(node.channel(node.target()).unary(bogus, GreetRequest.getDefaultInstance(),
                    CallOptions.DEFAULT), WAIT);
            assertEquals(StatusCode.UNIMPLEMENTED, ((StatusException) t).status().code());
        }
        greet(node.target(), CallOptions.DEFAULT);
        Await.until(WAIT, () -> ObservedNodeTest.series(ObservedNodeTest.get(metricsUrl() + "/metrics").body(),
                "rpc_server_refused_total", "rpc_status_code=\"UNIMPLEMENTED\"") >= 20, () -> "refusals counted");
        String body = ObservedNodeTest.get(metricsUrl() + "/metrics").body();
        // Server-side series never carry a method name a peer made up, nor any peer address.
        assertFalse(body.lines().anyMatch(l -> l.startsWith("rpc_server") && l.contains("Bogus")),
                () -> body.lines().filter(l -> l.contains("Bogus")).toList().toString());
        assertFalse(body.contains("127.0.0.1"), "no peer label");
    }
}
