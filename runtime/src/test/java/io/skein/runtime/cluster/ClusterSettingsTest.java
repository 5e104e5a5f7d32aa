package io.skein.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code skein.cluster} defaults as documented in reference.conf, and overrides. */
class ClusterSettingsTest {

    @Test
    void defaults() {
        ClusterSettings s = ClusterSettings.from(ConfigFactory.load());
        assertFalse(s.enabled());
        assertEquals(ClusterSettings.Join.BOOTSTRAP, s.join());
        assertEquals(Set.of("skein", "grpc"), s.protocols());
        assertEquals(1, s.weight());
        assertEquals(Map.of(), s.tags());
        assertEquals(Duration.ofSeconds(2), s.propagationDelay());
        assertEquals("skein", s.clientProtocol());
        assertEquals(2, s.transparentRetries());
    }

    @Test
    void overrides() {
        ClusterSettings s = ClusterSettings.from(ConfigFactory.parseString(
                "skein.cluster { enabled = on, join = seed-nodes, weight = 5, tags { zone = z1, version = \"2\" } }")
                .withFallback(ConfigFactory.load()));
        assertEquals(ClusterSettings.Join.SEED_NODES, s.join());
        assertEquals(5, s.weight());
        assertEquals(Map.of("zone", "z1", "version", "2"), s.tags());
    }

    @Test
    void badValuesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ClusterSettings.from(ConfigFactory.parseString(
                "skein.cluster.join = gossip").withFallback(ConfigFactory.load())));
        assertThrows(IllegalArgumentException.class, () -> ClusterSettings.from(ConfigFactory.parseString(
                "skein.cluster.weight = 0").withFallback(ConfigFactory.load())));
    }
}
