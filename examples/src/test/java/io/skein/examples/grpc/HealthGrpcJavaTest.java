package io.skein.examples.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.skein.examples.testing.ClusterNodes;
import io.skein.examples.testing.TestNodes;
import io.skein.runtime.SkeinNode;
import io.skein.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code grpc.health.v1.Health} on a Skein node, asked by grpc-java's own health client
 * ({@code io.grpc.health.v1.HealthGrpc} from {@code grpc-services}): per service and overall, unknown
 * services, {@code Watch} seeing the drain, and, on a clustered node, the same answer as
 * pekko-management's {@code /ready} while the node withdraws and still serves.
 */
class HealthGrpcJavaTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String ECHO = "skein.examples.echo.Echo";

    private SkeinNode node;
    private ManagedChannel channel;

    @AfterEach
    void stop() {
        GrpcJava.close(channel);
        if (node != null) {
            node.close();
        }
    }

    private static HealthCheckRequest service(String name) {
        return HealthCheckRequest.newBuilder().setService(name).build();
    }

    @Test
    void grpcJavasHealthClientSeesEveryServiceServingAndWatchSeesNotServingWhenTheNodeDrains() throws Exception {
        node = TestNodes.echoNode();
        channel = GrpcJava.channel(node.address());
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(ServingStatus.SERVING, health.check(service("")).getStatus());
        assertEquals(ServingStatus.SERVING, health.check(service(ECHO)).getStatus());
        Status unknown = GrpcJava.assertStatus(Status.Code.NOT_FOUND, () -> health.check(service("no.Such")));
        assertEquals("unknown service no.Such", unknown.getDescription());

        GrpcJava.Collector<HealthCheckResponse> overall = new GrpcJava.Collector<>();
        GrpcJava.Collector<HealthCheckResponse> echo = new GrpcJava.Collector<>();
        GrpcJava.Collector<HealthCheckResponse> other = new GrpcJava.Collector<>();
        HealthGrpc.HealthStub watch = HealthGrpc.newStub(channel);
        watch.watch(service(""), overall);
        watch.watch(service(ECHO), echo);
        watch.watch(service("no.Such"), other);
        Await.until(WAIT, () -> overall.values.size() == 1 && echo.values.size() == 1 && other.values.size() == 1,
                () -> "first Watch answers: " + overall.values + echo.values + other.values);
        assertEquals(ServingStatus.SERVICE_UNKNOWN, other.values.get(0).getStatus(), "gRPC's Watch contract");

        CompletableFuture<Done> shutdown = node.shutdown().toCompletableFuture();
        // Every Watch hears NOT_SERVING and ends, so none holds up the drain.
        for (GrpcJava.Collector<HealthCheckResponse> w : List.of(overall, echo)) {
            assertEquals(List.of(ServingStatus.SERVING, ServingStatus.NOT_SERVING),
                    GrpcJava.await(w.done, WAIT).stream().map(HealthCheckResponse::getStatus).toList());
        }
        GrpcJava.await(other.done, WAIT);
        shutdown.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void aClusteredNodesHealthSaysWhatPekkoManagementsReadySays() throws Exception {
        int management = freePort();
        node = ClusterNodes.first("skein.cluster { management = on, shutdown.propagation-delay = 10s }\n"
                + "pekko.management.http { hostname = \"127.0.0.1\", port = " + management + " }\n");
        channel = GrpcJava.channel(node.address());
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        Await.result(node.whenReady(), WAIT);
        Await.until(WAIT, () -> ready(management) == 200, () -> "/ready");
        assertEquals(ServingStatus.SERVING, health.withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .check(service("")).getStatus());
        assertEquals(ServingStatus.SERVING, health.withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .check(service(ECHO)).getStatus());

        CompletableFuture<Done> shutdown = node.shutdown().toCompletableFuture();
        Await.until(WAIT, () -> ready(management) != 200, () -> "/ready after the shutdown began");
        // The node has withdrawn its entries but still serves while that propagates (10 s, a bound far
        // above what the two checks take): it answers, and says NOT_SERVING, as /ready does.
        assertEquals(ServingStatus.NOT_SERVING, health.withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .check(service("")).getStatus());
        assertEquals(ServingStatus.NOT_SERVING, health.withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .check(service(ECHO)).getStatus());
        shutdown.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static int ready(int port) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/ready")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
