package io.skein.runtime.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Governance shows up on the node's endpoint: a server rate limit's admissions and refusals by reason,
 * the calls it refused, and a client's retries, retry budget and service breaker, read from the
 * policies' published stats.
 */
class GovernanceMetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String SERVICE = "skein.reflect.test.Greeter";

    private SkeinNode node;
    private GovernedChannel channel;

    @AfterEach
    void stop() {
        if (channel != null) {
            Await.result(channel.closeAsync(), WAIT);
        }
        Greeters.close(node);
    }

    @Test
    void limiterRefusalsRetriesAndBreakersAreMetricsOnTheEndpoint() {
        node = SkeinNode.builder()
                .config(ConfigFactory.parseString("skein.server { host = \"127.0.0.1\", port = 0 }\n"
                        + "skein.server.limits.methods.\"" + SERVICE + "/Greet\" { qps = 1, qps-burst = 1 }\n"
                        + "skein.observability { http { host = \"127.0.0.1\", port = 0 },"
                        + " metrics { tick-interval = 200ms, gauge-interval = 100ms } }\npekko.loglevel = WARNING"))
                .service(FunctionalService.builder(Greeters.GREETER)
                        .<GreetRequest, GreetReply>unary("Greet", (req, ctx) -> CompletableFuture.failedFuture(
                                new StatusException(StatusCode.UNAVAILABLE, "always")))
                        .build())
                .start();
        channel = ClientGovernance.builder(node.system(), SERVICE)
                .config(ConfigFactory.parseString("skein.client.services.\"" + SERVICE + "\".methods.Greet {"
                        + " idempotent = true, retry.max-retries = 2 }").withFallback(ConfigFactory.load()))
                .instances(StaticInstanceSource.of(SERVICE, List.of(Instance.of("n1", "127.0.0.1",
                        node.address().getPort()))))
                .build();
        var greet = ServiceClient.create(node.system(), channel, Greeters.GREETER)
                .unary("Greet", GreetRequest.class, GreetReply.class);
        List<CompletionStage<GreetReply>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(greet.call(GreetRequest.newBuilder().setName("g" + i).build()));
        }
        for (CompletionStage<GreetReply> call : calls) {
            Throwable t = Await.failure(call, WAIT);
            StatusCode code = ((StatusException) t).status().code();
            // Each call fails: UNAVAILABLE from the service, or RESOURCE_EXHAUSTED from the limit.
            assertEquals(true, code == StatusCode.UNAVAILABLE || code == StatusCode.RESOURCE_EXHAUSTED, code::name);
        }
        String url = "http://127.0.0.1:" + node.metricsAddress().orElseThrow().getPort() + "/metrics";
        String scope = "scope=\"" + SERVICE + "/Greet\"";
        String method = "rpc_method=\"Greet\"";
        Await.until(WAIT, () -> {
            String body = ObservedNodeTest.get(url).body();
            return ObservedNodeTest.series(body, "skein_limiter_admitted_total", scope) >= 1
                    && ObservedNodeTest.series(body, "skein_limiter_refused_total", scope, "reason=\"rate\"") >= 1
                    && ObservedNodeTest.series(body, "rpc_server_refused_total",
                    "rpc_status_code=\"RESOURCE_EXHAUSTED\"") >= 1
                    && ObservedNodeTest.series(body, "skein_retry_retries_total", "rpc_service=\"" + SERVICE + "\"",
                    method) >= 1
                    && body.contains("skein_retry_budget_stops_total{")
                    && body.contains("skein_retry_backups_total{")
                    && ObservedNodeTest.series(body, "skein_breaker_state", method) >= 0
                    && body.contains("skein_breaker_state{")
                    && body.contains("skein_breaker_instances{")
                    && ObservedNodeTest.series(body, "rpc_client_call_duration_seconds_count", method) >= 5;
        }, () -> "governance metrics missing:\n" + ObservedNodeTest.get(url).body());
    }
}
