package io.skein.governance.balancer;

import static io.skein.governance.balancer.BalancerTestSupport.context;
import static io.skein.governance.balancer.BalancerTestSupport.count;
import static io.skein.governance.balancer.BalancerTestSupport.instance;
import static io.skein.governance.balancer.BalancerTestSupport.instances;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.skein.governance.discovery.Instance;
import io.skein.transport.CallOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PowerOfTwoChoicesBalancerTest {

    private static final int PICKS = 30_000;

    @Test
    void prefersTheLessLoaded() {
        List<Instance> three = instances(3);
        Map<String, Integer> load = Map.of("node-0", 0, "node-1", 5, "node-2", 10);
        Picker picker = new PowerOfTwoChoicesBalancer().picker(three);
        Map<String, Integer> counts = count(picker, context(CallOptions.DEFAULT, i -> true,
                i -> load.get(i.nodeId())), PICKS);
        // Of two distinct draws out of three, the busiest never wins; the idlest is in 2 of 3 pairs.
        assertFalse(counts.containsKey("node-2"), counts.toString());
        assertEquals(2.0 / 3, counts.get("node-0") / (double) PICKS, 0.02);
        assertEquals(1.0 / 3, counts.get("node-1") / (double) PICKS, 0.02);
    }

    @Test
    void equalLoadSpreadsEvenly() {
        Picker picker = new PowerOfTwoChoicesBalancer().picker(instances(4));
        Map<String, Integer> counts = count(picker, context(), PICKS);
        counts.values().forEach(c -> assertEquals(0.25, c / (double) PICKS, 0.02));
    }

    @Test
    void loadIsWeighed() {
        // 4 calls on a weight-4 instance are lighter than 2 on a weight-1 one.
        List<Instance> two = List.of(instance("big", 4), instance("small", 1));
        Map<String, Integer> load = Map.of("big", 4, "small", 2);
        Picker picker = new PowerOfTwoChoicesBalancer().picker(two);
        assertEquals(Map.of("big", 1_000), count(picker, context(CallOptions.DEFAULT, i -> true,
                i -> load.get(i.nodeId())), 1_000));
    }

    @Test
    void honoursEligibility() {
        Picker picker = new PowerOfTwoChoicesBalancer().picker(instances(3));
        Map<String, Integer> counts = count(picker, context(i -> i.nodeId().equals("node-1")), 1_000);
        assertEquals(Map.of("node-1", 1_000), counts);
        assertNull(picker.pick(context(i -> false)));
        assertNull(new PowerOfTwoChoicesBalancer().picker(instances(1)).pick(context(i -> false)));
    }
}
