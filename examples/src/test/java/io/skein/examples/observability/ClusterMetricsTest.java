package io.skein.examples.observability;

import io.skein.examples.testing.ClusterNodes;
import io.skein.runtime.SkeinNode;
import io.skein.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
            String body = get(url);
            return value(body, "skein_cluster_members{status=\"Up\"}") == 1
                    && value(body, "skein_cluster_members{status=\"Leaving\"}") == 0
                    && value(body, "skein_cluster_entries{rpc_service=\"skein.examples.echo.Echo\"}") == 1
                    && value(body, "skein_cluster_unreachable") == 0;
        }, () -> "cluster gauges:\n" + get(url).lines().filter(l -> l.startsWith("skein_cluster")).toList());
    }

    /** The value of the one series {@code series} (name and labels as exposed), or -1 when absent. */
    private static double value(String exposition, String series) {
        return exposition.lines().filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).trim())).findFirst().orElse(-1);
    }

    private static String get(String url) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "(GET " + url + " failed: " + e + ")";
        }
    }
}
