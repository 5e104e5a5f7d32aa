package io.skein.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.protocols.Metadata;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CallOptionsTest {

    @Test
    void continuingCarriesPersistentMetadataAndTheRemainingDeadline() {
        Metadata md = Metadata.builder().put("hop", "1").putPersistent("tenant", "a").build();
        CallContext parent = new CallContext("pkg.Svc/M", md, 10_000, null);
        CallOptions next = CallOptions.continuing(parent);
        assertEquals("a", next.metadata().get("tenant"));
        assertNull(next.metadata().get("hop"), "transient metadata travels one hop only");
        assertTrue(next.timeout().compareTo(Duration.ofSeconds(10)) <= 0);
        assertTrue(next.timeout().compareTo(Duration.ofSeconds(5)) > 0);
    }

    @Test
    void continuingWithoutDeadlineHasNoTimeout() {
        CallContext parent = new CallContext("pkg.Svc/M", Metadata.EMPTY, 0, null);
        assertNull(CallOptions.continuing(parent).timeout());
    }

    @Test
    void rejectsNonPositiveTimeouts() {
        assertThrows(IllegalArgumentException.class, () -> CallOptions.timeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> CallOptions.timeout(Duration.ofMillis(-1)));
    }
}
