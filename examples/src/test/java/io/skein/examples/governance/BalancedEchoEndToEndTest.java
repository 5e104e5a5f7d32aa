package io.skein.examples.governance;

import static io.skein.examples.testing.Calls.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.actors.client.ServiceClient;
import io.skein.actors.client.UnaryMethod;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import io.skein.examples.testing.TestNodes;
import io.skein.governance.balancer.BalancedChannel;
import io.skein.governance.balancer.ConsistentHashBalancer;
import io.skein.governance.balancer.LoadBalancer;
import io.skein.governance.balancer.LoadBalancers;
import io.skein.governance.balancer.PowerOfTwoChoicesBalancer;
import io.skein.governance.discovery.Instance;
import io.skein.governance.discovery.StaticInstanceSource;
import io.skein.protocols.Metadata;
import io.skein.runtime.SkeinNode;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The balancers end to end: a {@link BalancedChannel} over three real Echo nodes on loopback, with
 * Echo's {@code served_by} telling which node answered each call.
 */
class BalancedEchoEndToEndTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static final List<SkeinNode> nodes = new ArrayList<>();
    private static ActorSystem<Void> client;

    @BeforeAll
    static void start() {
        for (int i = 0; i < 3; i++) {
            nodes.add(TestNodes.echoNode());
        }
        client = TestNodes.clientSystem("balanced-client", "");
    }

    @AfterAll
    static void stop() {
        try {
            TestNodes.terminate(client);
        } finally {
            nodes.forEach(TestNodes::close);
        }
    }

    /** The nodes as instances with weights 3, 2, 1; node ids are what Echo reports as served_by. */
    private static List<Instance> instances() {
        List<Instance> list = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            SkeinNode node = nodes.get(i);
            list.add(Instance.of(node.nodeId(), "127.0.0.1", node.address().getPort()).withWeight(3 - i));
        }
        return list;
    }

    private static BalancedChannel channel(StaticInstanceSource source, LoadBalancer balancer, Predicate<Instance> eligible) {
        return BalancedChannel.builder(client, source).balancer(balancer).eligibility(eligible).build();
    }

    private static UnaryMethod<EchoRequest, EchoReply> say(BalancedChannel channel) {
        return ServiceClient.create(client, channel, TestNodes.ECHO).unary("Say", EchoRequest.class, EchoReply.class);
    }

    private static String call(UnaryMethod<EchoRequest, EchoReply> say, CallOptions options) {
        return await(say.call(EchoRequest.newBuilder().setMessage("m").build(), options)).getServedBy();
    }

    @Test
    void weightedRoundRobinIsTheDefaultAndServesExactShares() {
        StaticInstanceSource source = StaticInstanceSource.of("skein.examples.echo.Echo", instances());
        BalancedChannel channel = BalancedChannel.builder(client, source).build();
        try {
            UnaryMethod<EchoRequest, EchoReply> say = say(channel);
            Map<String, Integer> counts = new HashMap<>();
            for (int i = 0; i < 60; i++) {
                counts.merge(call(say, CallOptions.DEFAULT), 1, Integer::sum);
            }
            assertEquals(Map.of(nodes.get(0).nodeId(), 30, nodes.get(1).nodeId(), 20, nodes.get(2).nodeId(), 10),
                    counts);
        } finally {
            Await.result(channel.closeAsync(), LIMIT);
        }
    }

    @Test
    void consistentHashKeepsEachKeyOnOneNodeAndMovesOnlyTheLeaversKeys() {
        StaticInstanceSource source = StaticInstanceSource.of("skein.examples.echo.Echo", instances());
        BalancedChannel channel = channel(source, LoadBalancers.create("consistent-hash",
                com.typesafe.config.ConfigFactory.parseString("key = user")), i -> true);
        try {
            UnaryMethod<EchoRequest, EchoReply> say = say(channel);
            Map<String, String> owner = new HashMap<>();
            for (int k = 0; k < 40; k++) {
                CallOptions options = CallOptions.DEFAULT.withMetadata(Metadata.builder().put("user", "u" + k).build());
                String first = call(say, options);
                owner.put("u" + k, first);
                for (int repeat = 0; repeat < 3; repeat++) {
                    assertEquals(first, call(say, options), "key u" + k + " moved while instances stayed");
                }
            }
            assertEquals(3, new java.util.HashSet<>(owner.values()).size(), "keys spread over all nodes: " + owner);
            // The third node leaves: only its keys move.
            String leaver = nodes.get(2).nodeId();
            source.update(instances().subList(0, 2));
            for (Map.Entry<String, String> e : owner.entrySet()) {
                String now = call(say, CallOptions.DEFAULT.withMetadata(Metadata.builder().put("user", e.getKey())
                        .build()));
                if (!e.getValue().equals(leaver)) {
                    assertEquals(e.getValue(), now, "a key of a staying node moved: " + e.getKey());
                } else {
                    assertFalse(now.equals(leaver));
                }
            }
            assertTrue(channel.instances().size() == 2);
        } finally {
            Await.result(channel.closeAsync(), LIMIT);
        }
    }

    @Test
    void powerOfTwoChoicesAvoidsTheNodeWithCallsInFlight() {
        StaticInstanceSource source = StaticInstanceSource.of("skein.examples.echo.Echo",
                instances().stream().map(i -> i.withWeight(1)).toList());
        String busy = nodes.get(0).nodeId();
        boolean[] onlyBusy = {true};
        BalancedChannel channel = channel(source, new PowerOfTwoChoicesBalancer(),
                i -> !onlyBusy[0] || i.nodeId().equals(busy));
        try {
            UnaryMethod<EchoRequest, EchoReply> say = say(channel);
            // Five slow calls, all on the first node while it is the only one eligible.
            List<CompletableFuture<EchoReply>> slow = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                slow.add(say.call(EchoRequest.newBuilder().setMessage("slow").setDelayMs(3_000).build())
                        .toCompletableFuture());
            }
            Await.until(LIMIT, () -> channel.outstanding(channel.instances().get(0)) == 5);
            onlyBusy[0] = false;
            Map<String, Integer> counts = new HashMap<>();
            for (int i = 0; i < 30; i++) {
                counts.merge(call(say, CallOptions.DEFAULT), 1, Integer::sum);
            }
            // Round robin would send it 10 of these; two choices never pick it while it is the busiest.
            assertFalse(counts.containsKey(busy), counts.toString());
            assertEquals(2, counts.size(), counts.toString());
            for (CompletableFuture<EchoReply> s : slow) {
                assertEquals(busy, await(s, LIMIT).getServedBy());
            }
        } finally {
            Await.result(channel.closeAsync(), LIMIT);
        }
    }

    @Test
    void weightedRandomReachesEveryNodeByWeight() {
        StaticInstanceSource source = StaticInstanceSource.of("skein.examples.echo.Echo", instances());
        BalancedChannel channel = channel(source, LoadBalancers.create("weighted-random",
                com.typesafe.config.ConfigFactory.empty()), i -> true);
        try {
            UnaryMethod<EchoRequest, EchoReply> say = say(channel);
            Map<String, Integer> counts = new HashMap<>();
            for (int i = 0; i < 300; i++) {
                counts.merge(call(say, CallOptions.DEFAULT), 1, Integer::sum);
            }
            // Expected 150 / 100 / 50; 300 draws stay well within +-45 (over 4 standard deviations).
            assertEquals(150, counts.get(nodes.get(0).nodeId()), 45, counts.toString());
            assertEquals(100, counts.get(nodes.get(1).nodeId()), 45, counts.toString());
            assertEquals(50, counts.get(nodes.get(2).nodeId()), 45, counts.toString());
        } finally {
            Await.result(channel.closeAsync(), LIMIT);
        }
    }

    @Test
    void consistentHashKeyIsConfigurable() {
        assertEquals("user", ((ConsistentHashBalancer) LoadBalancers.create("consistent-hash",
                com.typesafe.config.ConfigFactory.parseString("key = user"))).key());
    }
}
