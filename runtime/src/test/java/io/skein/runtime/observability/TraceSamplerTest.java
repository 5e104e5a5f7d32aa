package io.skein.runtime.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.skein.transport.observe.TraceContext;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The per-call sampling decision and the bare ids of unsampled calls. */
class TraceSamplerTest {

    private static final TraceContext SAMPLED =
            new TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true, "k=v");
    private static final TraceContext UNSAMPLED =
            new TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", false, "");

    @Test
    void aCallersDecisionIsFollowedWhateverTheSampler() {
        for (String sampler : new String[] {"always", "never", "random", "adaptive"}) {
            TraceSampler s = new TraceSampler(sampler, 0.5);
            assertEquals(TraceSampler.Decision.SAMPLE, s.decide(SAMPLED), sampler);
            assertEquals(TraceSampler.Decision.DROP, s.decide(UNSAMPLED), sampler);
        }
    }

    @Test
    void newTracesAreDecidedBySamplerAndAdaptiveIsLeftToKamon() {
        assertEquals(TraceSampler.Decision.SAMPLE, new TraceSampler("always", 0).decide(null));
        assertEquals(TraceSampler.Decision.DROP, new TraceSampler("never", 1).decide(null));
        assertEquals(TraceSampler.Decision.DROP, new TraceSampler("random", 0).decide(null));
        assertEquals(TraceSampler.Decision.SAMPLE, new TraceSampler("random", 1).decide(null));
        assertEquals(TraceSampler.Decision.KAMON, new TraceSampler("adaptive", 0.5).decide(null));
    }

    @Test
    void anUnsampledCallGetsAFreshValidSpanIdInItsCallersTrace() {
        Set<String> spans = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            TraceContext child = TraceSampler.unsampled(SAMPLED, null);
            assertEquals(SAMPLED.traceId(), child.traceId());
            assertEquals("k=v", child.traceState());
            assertFalse(child.sampled());
            assertNotEquals(SAMPLED.spanId(), child.spanId());
            spans.add(child.spanId());
            // What goes on the wire parses back to the same context.
            assertEquals(child, TraceContext.parse(child.traceparent(), child.traceState()));
        }
        assertEquals(1000, spans.size(), "span ids are random");
        TraceContext root = TraceSampler.unsampled(null, null);
        assertEquals(32, root.traceId().length());
        assertEquals("", root.traceState());
        assertNotEquals(root.traceId(), TraceSampler.unsampled(null, null).traceId());
    }
}
