package io.skein.governance.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoadBalancersTest {

    @Test
    void everyNameBuildsItsStrategy() {
        assertEquals(Set.of("round-robin", "weighted-round-robin", "weighted-random", "consistent-hash", "p2c"),
                LoadBalancers.names());
        for (String name : LoadBalancers.names()) {
            assertEquals(name, LoadBalancers.create(name, ConfigFactory.empty()).name());
        }
        assertThrows(IllegalArgumentException.class, () -> LoadBalancers.create("nope", ConfigFactory.empty()));
    }

    @Test
    void referenceDefaultsAreWeightedRoundRobinAndAConfigurableHash() {
        var defaults = ConfigFactory.load().getConfig("skein.client.defaults");
        assertEquals("weighted-round-robin", LoadBalancers.fromConfig(defaults).name());
        var hashed = ConfigFactory.parseString("load-balancer = consistent-hash, consistent-hash.key = tenant")
                .withFallback(defaults);
        ConsistentHashBalancer ch = (ConsistentHashBalancer) LoadBalancers.fromConfig(hashed);
        assertEquals("tenant", ch.key());
        assertEquals(defaults.getInt("consistent-hash.virtual-nodes"), ch.virtualNodes());
    }
}
