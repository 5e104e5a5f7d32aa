package io.skein.governance.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.skein.governance.retry.Backoff;
import io.skein.protocols.StatusCode;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClientPoliciesTest {

    @Test
    void defaultsMatchKitex() {
        ClientPolicies p = ClientPolicies.defaults("pkg.Svc");
        MethodPolicy m = p.method("Say");
        assertNull(m.timeout(), "no RPC timeout by default, as Kitex");
        assertNull(m.receiveTimeout());
        assertFalse(m.retry().idempotent());
        assertEquals(2, m.retry().retry().maxRetries());
        assertEquals(Set.of(StatusCode.UNAVAILABLE), m.retry().retry().retryableCodes());
        assertEquals(0.1, m.retry().retry().budget().errorRate());
        assertFalse(m.retry().backup().enabled());
        assertEquals(0.5, m.breaker().errorRate());
        assertEquals(200, m.breaker().minSamples());
        assertEquals(Duration.ofSeconds(10), m.breaker().window());
        assertEquals(100, m.breaker().buckets());
        assertEquals(Duration.ofSeconds(5), m.breaker().cooling());
        assertEquals(2, m.breaker().halfOpenSuccesses());
        assertTrue(m.breaker().isFailure(StatusCode.DEADLINE_EXCEEDED));
        assertFalse(m.breaker().isFailure(StatusCode.INVALID_ARGUMENT));
        assertEquals(Set.of(StatusCode.UNAVAILABLE), p.instanceBreaker().failureCodes());
        assertEquals("weighted-round-robin", p.loadBalancer());
    }

    @Test
    void methodOverServiceOverDefaultsKeyByKey() {
        ClientPolicies p = ClientPolicies.fromConfig(ConfigFactory.parseString("""
                skein.client.defaults.timeout = 3s
                skein.client.services."pkg.Svc" {
                  timeout = 2s
                  retry.backoff { type = fixed, delay = 5ms }
                  methods.Say { timeout = 1s, idempotent = true, retry.max-retries = 4, receive-timeout = 200ms }
                }
                """), "pkg.Svc");
        MethodPolicy say = p.method("Say");
        assertEquals(Duration.ofSeconds(1), say.timeout());
        assertEquals(Duration.ofMillis(200), say.receiveTimeout());
        assertTrue(say.retry().idempotent());
        assertEquals(4, say.retry().retry().maxRetries());
        assertEquals(Backoff.Kind.FIXED, say.retry().retry().backoff().kind(), "inherited from the service block");
        MethodPolicy other = p.method("Other");
        assertEquals(Duration.ofSeconds(2), other.timeout());
        assertEquals(2, other.retry().retry().maxRetries());
        assertEquals(Duration.ofSeconds(3), ClientPolicies.fromConfig(ConfigFactory.parseString(
                "skein.client.defaults.timeout = 3s"), "other.Svc").method("X").timeout());
    }

    @Test
    void badValuesFailWhenRead() {
        assertThrows(ConfigException.class, () -> ClientPolicies.fromConfig(ConfigFactory.parseString(
                "skein.client.services.\"pkg.Svc\".methods.Say.retry.max-retries = 6"), "pkg.Svc"));
        assertThrows(ConfigException.class, () -> ClientPolicies.fromConfig(ConfigFactory.parseString(
                "skein.client.services.\"pkg.Svc\".retry.retryable-codes = [NOPE]"), "pkg.Svc"));
    }
}
