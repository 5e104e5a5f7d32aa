package io.skein.examples.observability;

import io.skein.examples.testing.ClusterNodes;
import io.skein.runtime.SkeinNode;
import io.skein.testing.Await;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A clustered node's endpoint shows the cluster: members by status and registry entries per service. */
class ClusterMetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private SkeinNode node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void membersByStatusAndEntriesPerServiceAreGauges() {
        node = ClusterNodes.first("skein.observability.metrics { tick-interval = 200ms, gauge-interval = 100ms }\n");
        Await.result(node.whenReady(), WAIT);
        String url = "http://127.0.0.1:" + node.metricsAddress().orElseThrow().getPort() + "/metrics";
        Await.until(WAIT, () -> {
            String body = Scrape.get(url);
            return Scrape.value(body, "skein_cluster_members{status=\"Up\"}") == 1
                    && Scrape.value(body, "skein_cluster_members{status=\"Leaving\"}") == 0
                    && Scrape.value(body, "skein_cluster_entries{rpc_service=\"skein.examples.echo.Echo\"}") == 1
                    && Scrape.value(body, "skein_cluster_unreachable") == 0;
        }, () -> "cluster gauges:\n" + Scrape.get(url).lines().filter(l -> l.startsWith("skein_cluster")).toList());
    }
}
