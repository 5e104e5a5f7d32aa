package io.skein.governance.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServerLimitsConfigTest {

    private static Config limits(String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference()).resolve()
                .getConfig("skein.server.limits");
    }

    @Test
    void referenceDefaultsAreUnlimited() {
        ServerLimits defaults = ServerLimits.fromConfig(limits(""));
        assertEquals(ServerLimits.UNLIMITED, defaults);
        assertEquals(AdaptiveSettings.OFF, AdaptiveSettings.fromConfig(limits("").getConfig("adaptive")));
        assertEquals(0, ConfigFactory.defaultReference().getInt("skein.client.defaults.concurrency-limit"));
    }

    @Test
    void serverAndMethodLimitsAreRead() {
        ServerLimits read = ServerLimits.fromConfig(limits("""
                skein.server.limits {
                  max-connections = 100
                  max-concurrent-calls = 500
                  qps = 200
                  adaptive { enabled = on, algorithm = aimd, window = 50ms, queue-target = 3ms }
                  methods {
                    "echo.Echo/Say" { qps = 50, qps-burst = 5 }
                    "echo.Echo/Chat" { max-concurrent-calls = 10, adaptive.enabled = on }
                  }
                }
                """));
        assertEquals(100, read.maxConnections());
        assertEquals(500, read.server().maxConcurrentCalls());
        assertEquals(200, read.server().qps());
        assertEquals(20, read.server().effectiveBurst());
        assertTrue(read.server().adaptive().enabled());
        assertEquals(AdaptiveSettings.Algorithm.AIMD, read.server().adaptive().algorithm());
        LimitSettings say = read.methods().get("echo.Echo/Say");
        assertEquals(50, say.qps());
        assertEquals(5, say.effectiveBurst());
        assertEquals(0, say.maxConcurrentCalls());
        assertFalse(say.adaptive().enabled(), "a method's adaptive limit is off unless it enables it");
        LimitSettings chat = read.methods().get("echo.Echo/Chat");
        assertEquals(10, chat.maxConcurrentCalls());
        assertTrue(chat.adaptive().enabled());
        // The method's adaptive tuning comes from the server's block.
        assertEquals(Duration.ofMillis(50), chat.adaptive().window());
        assertEquals(Duration.ofMillis(3), chat.adaptive().queueTarget());
    }

    @Test
    void badValuesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ServerLimits.fromConfig(limits(
                "skein.server.limits.qps = -1")));
        assertThrows(IllegalArgumentException.class, () -> ServerLimits.fromConfig(limits(
                "skein.server.limits.methods { \"NoSlash\" { qps = 1 } }")));
        assertThrows(IllegalArgumentException.class, () -> ServerLimits.fromConfig(limits(
                "skein.server.limits.adaptive { min-limit = 10, initial-limit = 5 }")));
        assertThrows(IllegalArgumentException.class, () -> ServerLimits.fromConfig(limits(
                "skein.server.limits.adaptive { queue-target = 0ms }")));
        assertThrows(IllegalArgumentException.class, () -> ServerLimits.fromConfig(limits(
                "skein.server.limits.adaptive { churn.factor = 1 }")));
    }
}
