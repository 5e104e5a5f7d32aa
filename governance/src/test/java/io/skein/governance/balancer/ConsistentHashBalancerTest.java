package io.skein.governance.balancer;

import static io.skein.governance.balancer.BalancerTestSupport.context;
import static io.skein.governance.balancer.BalancerTestSupport.instance;
import static io.skein.governance.balancer.BalancerTestSupport.instances;
import static io.skein.governance.balancer.BalancerTestSupport.keyed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.governance.discovery.Instance;
import io.skein.protocols.Metadata;
import io.skein.transport.CallOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsistentHashBalancerTest {

    private static final String KEY = "user-id";
    private static final int KEYS = 20_000;

    private final ConsistentHashBalancer balancer = new ConsistentHashBalancer(KEY, 100);

    private Map<String, String> owners(Picker picker) {
        Map<String, String> owners = new HashMap<>();
        for (int k = 0; k < KEYS; k++) {
            owners.put("user-" + k, picker.pick(keyed(KEY, "user-" + k)).nodeId());
        }
        return owners;
    }

    @Test
    void aKeyStaysOnItsInstanceWhileInstancesStay() {
        List<Instance> five = instances(5);
        Picker picker = balancer.picker(five);
        Map<String, String> first = owners(picker);
        assertEquals(first, owners(picker), "same picker, same owners");
        // A new snapshot of the same instances in another order builds the same ring.
        List<Instance> shuffled = new ArrayList<>(five);
        Collections.reverse(shuffled);
        assertEquals(first, owners(balancer.picker(shuffled)), "same instances, same owners");
        // Keys spread over every instance, roughly evenly (100 virtual nodes each).
        Map<String, Integer> perInstance = new HashMap<>();
        first.values().forEach(n -> perInstance.merge(n, 1, Integer::sum));
        assertEquals(5, perInstance.size());
        perInstance.values().forEach(c -> assertTrue(c > KEYS / 5 * 0.6 && c < KEYS / 5 * 1.4, "uneven: " + perInstance));
    }

    @Test
    void whenOneLeavesOnlyItsKeysMove() {
        List<Instance> five = instances(5);
        Map<String, String> before = owners(balancer.picker(five));
        Map<String, String> after = owners(balancer.picker(five.subList(0, 4))); // node-4 leaves
        int moved = 0;
        for (Map.Entry<String, String> e : before.entrySet()) {
            if (!e.getValue().equals(after.get(e.getKey()))) {
                moved++;
                assertEquals("node-4", e.getValue(), "a key of a staying instance moved: " + e.getKey());
            }
        }
        // About 1/5 of the keys belonged to node-4.
        assertEquals(1.0 / 5, moved / (double) KEYS, 0.06);
        // And when it comes back, its keys come back to it.
        assertEquals(before, owners(balancer.picker(five)));
    }

    @Test
    void weightScalesTheShareOfKeys() {
        Picker picker = balancer.picker(List.of(instance("heavy", 3), instance("light", 1)));
        long heavy = owners(picker).values().stream().filter("heavy"::equals).count();
        assertEquals(0.75, heavy / (double) KEYS, 0.06);
    }

    @Test
    void anIneligibleOwnerPassesItsKeysToTheNextOnTheRingStably() {
        List<Instance> five = instances(5);
        Picker picker = balancer.picker(five);
        Map<String, String> owners = owners(picker);
        String key = owners.entrySet().stream().filter(e -> e.getValue().equals("node-2")).findFirst().orElseThrow()
                .getKey();
        CallOptions options = CallOptions.DEFAULT.withMetadata(Metadata.builder().put(KEY, key).build());
        Instance fallback = picker.pick(context(options, i -> !i.nodeId().equals("node-2"), i -> 0));
        assertNotEquals("node-2", fallback.nodeId());
        for (int i = 0; i < 20; i++) {
            assertEquals(fallback, picker.pick(context(options, n -> !n.nodeId().equals("node-2"), n -> 0)));
        }
        // The fallback is where the key goes once node-2 really leaves: the same ring walk.
        List<Instance> withoutTwo = new ArrayList<>(five);
        withoutTwo.removeIf(n -> n.nodeId().equals("node-2"));
        assertEquals(fallback, balancer.picker(withoutTwo).pick(keyed(KEY, key)));
        assertNull(picker.pick(context(options, n -> false, n -> 0)));
    }

    @Test
    void callsWithoutTheKeySpreadOverInstances() {
        Picker picker = balancer.picker(instances(3));
        Map<String, Integer> counts = BalancerTestSupport.count(picker, context(), 3_000);
        assertEquals(3, counts.size(), counts.toString());
    }

    @Test
    void configuredByName() {
        LoadBalancer configured = LoadBalancers.create("consistent-hash",
                com.typesafe.config.ConfigFactory.parseString("key = tenant, virtual-nodes = 7"));
        ConsistentHashBalancer ch = (ConsistentHashBalancer) configured;
        assertEquals("tenant", ch.key());
        assertEquals(7, ch.virtualNodes());
    }
}
