package io.skein.transport.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** W3C {@code traceparent} values in and out (https://www.w3.org/TR/trace-context/ §3.2). */
class TraceContextTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN = "00f067aa0ba902b7";

    @Test
    void aValidTraceparentParsesAndWritesBackTheSame() {
        TraceContext t = TraceContext.parse("00-" + TRACE + "-" + SPAN + "-01", "a=1,b=2");
        assertEquals(new TraceContext(TRACE, SPAN, true, "a=1,b=2"), t);
        assertEquals("00-" + TRACE + "-" + SPAN + "-01", t.traceparent());
        assertFalse(TraceContext.parse("00-" + TRACE + "-" + SPAN + "-00", null).sampled());
        assertEquals("", TraceContext.parse("00-" + TRACE + "-" + SPAN + "-00", null).traceState());
        // Only the sampled bit of the flags counts; upper case and surrounding blanks are tolerated.
        assertTrue(TraceContext.parse(" 00-" + TRACE.toUpperCase() + "-" + SPAN + "-03 ", null).sampled());
    }

    @Test
    void aLaterVersionMayCarryMoreFields() {
        assertEquals(TRACE, TraceContext.parse("01-" + TRACE + "-" + SPAN + "-01-what-comes-next", null).traceId());
        assertNull(TraceContext.parse("00-" + TRACE + "-" + SPAN + "-01-extra", null), "version 00 has exactly four");
    }

    @Test
    void malformedValuesStartANewTrace() {
        for (String bad : new String[] {
                "", "00", "garbage", "ff-" + TRACE + "-" + SPAN + "-01",
                "00-" + "0".repeat(32) + "-" + SPAN + "-01", "00-" + TRACE + "-" + "0".repeat(16) + "-01",
                "00-" + TRACE.replace('b', 'g') + "-" + SPAN + "-01", "00-" + TRACE + "-" + SPAN + "-0x",
                "00-" + TRACE + "0-" + SPAN + "-01", "00_" + TRACE + "-" + SPAN + "-01",
                "00-" + TRACE + "-" + SPAN.replace('f', '/') + "-01", "00-" + TRACE + "-" + SPAN.replace('f', ':') + "-01",
                "00-" + TRACE + "-" + SPAN.replace('f', '`') + "-01"}) {
            assertNull(TraceContext.parse(bad, null), bad);
        }
        assertNull(TraceContext.parse(null, "a=1"));
    }

    @Test
    void theConstructorTakesOnlyLowerCaseNonZeroIds() {
        assertThrows(IllegalArgumentException.class, () -> new TraceContext(TRACE.toUpperCase(), SPAN, true, ""));
        assertThrows(IllegalArgumentException.class, () -> new TraceContext("0".repeat(32), SPAN, true, ""));
        assertThrows(IllegalArgumentException.class, () -> new TraceContext(TRACE, SPAN + "0", true, ""));
        assertThrows(IllegalArgumentException.class, () -> new TraceContext(TRACE, "0000000000000g00", true, ""));
        assertEquals("00000000000000000000000000000001",
                new TraceContext("00000000000000000000000000000001", SPAN, false, "").traceId());
    }

    @Test
    void generatedSpansHaveFreshValidIdsThatSurviveTheWireAndKeepTheirParentsTrace() {
        TraceContext parent = new TraceContext(TRACE, SPAN, true, "k=v");
        Set<String> spans = new HashSet<>();
        Set<String> traces = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            TraceContext root = TraceContext.newSpan(null, false, null);
            // The validating constructor accepts what the trusted path built, and the wire form parses back.
            assertEquals(root, new TraceContext(root.traceId(), root.spanId(), root.sampled(), root.traceState()));
            assertEquals(root, TraceContext.parse(root.traceparent(), null));
            assertEquals("", root.traceState());
            traces.add(root.traceId());
            TraceContext child = TraceContext.newSpan(parent, false, null);
            assertEquals(TRACE, child.traceId());
            assertEquals("k=v", child.traceState());
            assertFalse(child.sampled());
            assertNotEquals(SPAN, child.spanId(), "a child has a span id of its own");
            assertEquals(child, TraceContext.parse(child.traceparent(), child.traceState()));
            spans.add(child.spanId());
        }
        assertEquals(10_000, spans.size(), "span ids are random");
        assertEquals(10_000, traces.size(), "a new trace gets a random trace id");
        assertTrue(TraceContext.newSpan(parent, true, null).sampled());
        assertEquals("a=1", TraceContext.newSpan(parent, false, "a=1").traceState());
    }

    @Test
    void generatedHexDigitsAreThoseOfTheBitsEveryNibbleValueInEveryPlace() {
        java.util.Random random = new java.util.Random(42);
        int[] edges = {0, -1, 1, 0x0123_4567, 0x89ab_cdef, 0xfedc_ba98, 0x9999_9999, 0xaaaa_aaaa, Integer.MIN_VALUE,
                Integer.MAX_VALUE};
        for (int i = 0; i < 10_000 + edges.length; i++) {
            int bits = i < edges.length ? edges[i] : random.nextInt();
            long digits = TraceContext.hexDigits(bits);
            StringBuilder got = new StringBuilder();
            for (int shift = 56; shift >= 0; shift -= 8) {
                got.append((char) ((digits >>> shift) & 0xff));
            }
            assertEquals(String.format("%08x", bits), got.toString());
        }
    }
}
