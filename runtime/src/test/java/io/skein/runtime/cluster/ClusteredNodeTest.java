package io.skein.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.governance.discovery.Instance;
import io.skein.runtime.SkeinNode;
import io.skein.runtime.reflection.Greeters;
import io.skein.testing.Await;
import io.skein.testing.LeakDetectionExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One clustered node that forms its own cluster ({@code join = self}) with pekko-management on a free
 * port: it publishes its entry once Up, pekko-management's {@code /ready} includes Skein's check, and
 * a graceful shutdown withdraws the entry and reports not ready while the node still serves for the
 * propagation delay.
 */
@ExtendWith(LeakDetectionExtension.class)
class ClusteredNodeTest {

    private static final Duration BOUND = Duration.ofSeconds(30);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private SkeinNode node;

    @AfterEach
    void stop() {
        Greeters.close(node);
    }

    private int status(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void publishesWhenUpAndWithdrawsBeforeDraining() {
        int management = ClusteredNodes.freePort();
        node = ClusteredNodes.selfJoined(management, "skein.cluster.shutdown.propagation-delay = 3s",
                "skein.cluster.tags { zone = z1 }");
        assertTrue(node.clustered());
        assertFalse(node.isClient());
        assertEquals("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider",
                node.system().settings().config().getString("pekko.cluster.downing-provider-class"));

        Await.result(node.whenReady(), BOUND);
        String service = Greeters.GREETER.getFullName();
        Instance self = new Instance(node.nodeId(), "127.0.0.1", node.address().getPort(), Instance.SKEIN_PROTOCOLS, 1,
                java.util.Map.of("zone", "z1"));
        assertEquals("127.0.0.1:" + node.address().getPort(), node.nodeId());
        Await.until(BOUND, () -> node.registry().instances(service).snapshot().equals(List.of(self)),
                () -> "own entry, have " + node.registry().instances(service).snapshot());
        Await.until(BOUND, () -> status(management, "/ready") == 200, () -> "ready");
        assertEquals(200, status(management, "/alive"));
        // Reflection is served but not published: only the node's own services are entries.
        assertEquals(List.of(), node.registry().instances("grpc.reflection.v1.ServerReflection").snapshot());

        CompletionStage<Done> stopping = node.shutdown();
        Await.until(BOUND, () -> !node.registry().isReady() && node.registry().instances(service).snapshot().isEmpty(),
                () -> "entry withdrawn");
        // Withdrawn and not ready, but still serving during the propagation delay.
        assertEquals(500, status(management, "/ready"));
        assertFalse(stopping.toCompletableFuture().isDone());
        Await.result(stopping, BOUND);
    }

    @Test
    void aStandaloneNodeHasNoRegistry() {
        node = Greeters.node(false);
        assertFalse(node.clustered());
        assertTrue(node.whenReady().toCompletableFuture().isDone());
        assertThrows(IllegalStateException.class, () -> node.registry());
    }
}
