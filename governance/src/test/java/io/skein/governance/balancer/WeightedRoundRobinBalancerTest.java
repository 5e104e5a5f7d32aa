package io.skein.governance.balancer;

import static io.skein.governance.balancer.BalancerTestSupport.context;
import static io.skein.governance.balancer.BalancerTestSupport.count;
import static io.skein.governance.balancer.BalancerTestSupport.instance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.governance.discovery.Instance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WeightedRoundRobinBalancerTest {

    private final List<Instance> weighted = List.of(instance("a", 5), instance("b", 1), instance("c", 1));

    @Test
    void everyCycleHoldsExactlyTheWeights() {
        Picker picker = new WeightedRoundRobinBalancer().picker(weighted);
        for (int cycle = 0; cycle < 50; cycle++) {
            Map<String, Integer> counts = count(picker, context(), 7);
            assertEquals(Map.of("a", 5, "b", 1, "c", 1), Map.copyOf(counts), "cycle " + cycle);
        }
    }

    @Test
    void heavyInstancesAreInterleavedNotBursted() {
        Picker picker = new WeightedRoundRobinBalancer().picker(weighted);
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            order.add(picker.pick(context()).nodeId());
        }
        // nginx's smooth WRR sequence for 5,1,1.
        assertEquals(List.of("a", "a", "b", "a", "c", "a", "a"), order);
    }

    @Test
    void weightsAreReducedByTheirCommonDivisor() {
        Picker picker = new WeightedRoundRobinBalancer().picker(List.of(instance("a", 300), instance("b", 100)));
        assertEquals(Map.of("a", 3, "b", 1), Map.copyOf(count(picker, context(), 4)));
    }

    @Test
    void equalWeightsAreRoundRobin() {
        Picker picker = new WeightedRoundRobinBalancer().picker(BalancerTestSupport.instances(4));
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            order.add(picker.pick(context()).nodeId());
        }
        assertEquals(List.of("node-0", "node-1", "node-2", "node-3", "node-0", "node-1", "node-2", "node-3"), order);
    }

    @Test
    void ineligibleInstancesAreSkippedAndNoneEligibleIsNull() {
        Picker picker = new WeightedRoundRobinBalancer().picker(weighted);
        Map<String, Integer> counts = count(picker, context(BalancerTestSupport.not(Set.of("a"))), 100);
        assertEquals(Set.of("b", "c"), counts.keySet());
        assertEquals(50, counts.get("b"), 1);
        assertNull(picker.pick(context(i -> false)));
    }

    @Test
    void hugeTotalWeightsRunLiveAndKeepProportions() {
        List<Instance> heavy = List.of(instance("a", 70_001), instance("b", 1));
        Picker picker = new WeightedRoundRobinBalancer().picker(heavy);
        Map<String, Integer> counts = count(picker, context(), 70_002);
        assertEquals(70_001, counts.get("a"));
        assertEquals(1, counts.get("b"));
        assertNull(picker.pick(context(i -> false)));
    }

    @Test
    void concurrentPickersKeepExactTotals() throws InterruptedException {
        Picker picker = new WeightedRoundRobinBalancer().picker(weighted);
        Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 7_000; i++) {
                    counts.computeIfAbsent(picker.pick(context()).nodeId(), k -> new AtomicInteger()).incrementAndGet();
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) {
            t.join(30_000);
            assertTrue(!t.isAlive(), "picker thread did not finish");
        }
        // 28,000 picks = 4,000 whole cycles, whatever the interleaving of threads.
        assertEquals(20_000, counts.get("a").get());
        assertEquals(4_000, counts.get("b").get());
        assertEquals(4_000, counts.get("c").get());
    }
}
