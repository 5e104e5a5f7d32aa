package io.skein.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.examples.testing.ChildJvm;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code skein.jar demo} as a user runs it: it finishes, exits 0, and prints no error or stack trace on the way out. */
class DemoCliTest {

    @Test
    void theDemoExitsZeroWithoutAnErrorOrAStackTrace() {
        try (ChildJvm demo = ChildJvm.start(Map.of(), "demo")) {
            assertEquals(0, demo.awaitExit(Duration.ofMinutes(3)), demo::toString);
            assertTrue(demo.stdout().contains("demo finished"), demo::toString);
            assertTrue(demo.stderr().lines().noneMatch(l -> l.startsWith("\tat ") || l.contains(" ERROR ")),
                    demo::toString);
        }
    }
}
