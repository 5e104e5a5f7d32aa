package io.skein.runtime.cluster.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.governance.discovery.Instance;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.ActorPath$;
import org.junit.jupiter.api.Test;

/** Entries survive the trip through an actor name, and every name is a valid actor path element. */
class EntryNamesTest {

    @Test
    void aServiceEntryRoundTripsWithAwkwardCharacters() {
        Instance instance = new Instance("node a/1:8080~x", "fe80::1", 8080, Set.of("skein", "grpc"), 7,
                Map.of("zone", "eu west=1&2", "version", "1.4.2+build~7", "emoji", "\u00e9\u6f22"));
        String name = EntryNames.service("pkg.Svc_v2.Echo", instance);
        assertTrue(ActorPath$.MODULE$.isValidPathElement(name), name);
        assertEquals(instance, EntryNames.instance(name));
    }

    @Test
    void aPlainEntryRoundTrips() {
        Instance instance = Instance.of("127.0.0.1:8080", "127.0.0.1", 8080);
        String name = EntryNames.service("skein.examples.echo.Echo", instance);
        assertTrue(ActorPath$.MODULE$.isValidPathElement(name), name);
        assertEquals(instance, EntryNames.instance(name));
    }

    @Test
    void aNodeEntryRoundTrips() {
        String name = EntryNames.node("10.0.0.5:8080", List.of("a.B", "c.D"));
        assertTrue(ActorPath$.MODULE$.isValidPathElement(name), name);
        assertEquals(new EntryNames.NodeEntry("10.0.0.5:8080", List.of("a.B", "c.D")), EntryNames.nodeEntry(name));
        assertEquals(List.of(), EntryNames.nodeEntry(EntryNames.node("n", List.of())).services());
    }

    @Test
    void foreignNamesAreIgnored() {
        assertNull(EntryNames.instance("some-actor"));
        assertNull(EntryNames.instance("s~a~b~c~notaport~skein~1~"));
        assertNull(EntryNames.nodeEntry(EntryNames.service("x.Y", Instance.of("n", "h", 1))));
        assertNull(EntryNames.instance(EntryNames.node("n", List.of("x.Y"))));
    }
}
