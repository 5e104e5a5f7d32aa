package io.skein.governance.balancer;

import static io.skein.governance.balancer.BalancerTestSupport.context;
import static io.skein.governance.balancer.BalancerTestSupport.count;
import static io.skein.governance.balancer.BalancerTestSupport.instance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.skein.governance.discovery.Instance;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class WeightedRandomBalancerTest {

    private static final int PICKS = 200_000;

    private final List<Instance> weighted = List.of(instance("a", 6), instance("b", 3), instance("c", 1));

    @Test
    void sharesFollowTheWeights() {
        // Fixed seed: the test is reproducible; 200k draws put each share within 1 % of its expectation.
        RandomGenerator seeded = new SplittableRandom(42);
        Picker picker = new WeightedRandomBalancer(() -> seeded).picker(weighted);
        Map<String, Integer> counts = count(picker, context(), PICKS);
        assertEquals(0.6, counts.get("a") / (double) PICKS, 0.01);
        assertEquals(0.3, counts.get("b") / (double) PICKS, 0.01);
        assertEquals(0.1, counts.get("c") / (double) PICKS, 0.01);
    }

    @Test
    void ineligibleInstancesKeepTheOthersRelativeWeights() {
        Picker picker = new WeightedRandomBalancer().picker(weighted);
        Map<String, Integer> counts = count(picker, context(BalancerTestSupport.not(Set.of("a"))), PICKS);
        assertEquals(Set.of("b", "c"), counts.keySet());
        assertEquals(0.75, counts.get("b") / (double) PICKS, 0.01);
        assertNull(picker.pick(context(i -> false)));
    }
}
