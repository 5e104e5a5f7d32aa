package io.skein.runtime.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.transport.observe.TraceContext;
import org.junit.jupiter.api.Test;

/** The per-call sampling decision (the bare ids of unsampled calls: {@code TraceContextTest}). */
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
}
