package io.skein.examples.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.echo.RepeatRequest;
import io.skein.examples.testing.TestNodes;
import io.skein.runtime.SkeinNode;
import io.skein.testing.Await;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Streams are counted by their messages on both sides and both protocols: messages per call
 * ({@code *_requests_per_rpc}, {@code *_responses_per_rpc}) and each message's size.
 */
class StreamMetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private SkeinNode node;

    @AfterEach
    void stop() {
        TestNodes.close(node);
    }

    @Test
    void streamMessagesAreCountedPerCallOnBothSidesOverBothProtocols() {
        node = TestNodes.echoNode("skein.observability.metrics.tick-interval = 200ms\npekko.loglevel = WARNING\n");
        for (String target : List.of(node.target(), "grpc://127.0.0.1:" + node.address().getPort())) {
            var client = node.client(target, TestNodes.ECHO);
            List<EchoReply> repeated = Await.result(client.serverStreaming("Repeat", RepeatRequest.class, EchoReply.class)
                    .call(RepeatRequest.newBuilder().setMessage("r").setCount(3).build())
                    .runWith(Sink.seq(), node.system()), WAIT);
            assertEquals(3, repeated.size());
            List<EchoReply> chatted = Await.result(Source.from(List.of(EchoRequest.newBuilder().setMessage("a").build(),
                            EchoRequest.newBuilder().setMessage("b").build()))
                    .via(client.bidiStreaming("Chat", EchoRequest.class, EchoReply.class).call())
                    .runWith(Sink.seq(), node.system()), WAIT);
            assertEquals(2, chatted.size());
        }
        String url = "http://127.0.0.1:" + node.metricsAddress().orElseThrow().getPort() + "/metrics";
        Await.until(WAIT, () -> {
            String body = Scrape.get(url);
            boolean all = true;
            for (String side : List.of("server", "client")) {
                for (String system : List.of("skein", "grpc")) {
                    String labels = "rpc_system=\"" + system + "\"";
                    String p = "rpc_" + side + "_";
                    all &= Scrape.sum(body, p + "responses_per_rpc_sum", labels, "rpc_method=\"Repeat\"") >= 3
                            && Scrape.sum(body, p + "requests_per_rpc_sum", labels, "rpc_method=\"Chat\"") >= 2
                            && Scrape.sum(body, p + "responses_per_rpc_sum", labels, "rpc_method=\"Chat\"") >= 2
                            && Scrape.sum(body, p + "response_size_bytes_count", labels,
                            "rpc_method=\"Repeat\"") >= 3;
                }
            }
            return all;
        }, () -> "stream metrics:\n" + Scrape.get(url).lines().filter(l -> l.contains("Repeat") || l.contains("Chat"))
                .filter(l -> l.contains("per_rpc_sum") || l.contains("size_bytes_count")).toList());
    }
}
