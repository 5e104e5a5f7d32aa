package io.skein.runtime.observability;

import io.skein.transport.observe.TraceContext;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Decides, for each call, whether it gets a Kamon span: a call whose caller sent a {@code traceparent} follows the caller's sampled flag; a new
 * trace is sampled as {@code skein.observability.tracing.sampler} says ({@code always}, {@code never},
 * {@code random} with its probability) here, without Kamon, or by Kamon's own sampler for
 * {@code adaptive}. An unsampled call still propagates its trace (new span id, same trace id, flag
 * {@code 00}, {@link TraceContext#newSpan}), so logs correlate, but costs no Kamon span.
 *
 * <p>Immutable and thread-safe (random decisions come from {@link ThreadLocalRandom}).
 */
final class TraceSampler {

    /** The decision for a new trace. */
    enum Decision { SAMPLE, DROP, KAMON }

    /** The decision for every new trace, or null when it is random ({@code random}). */
    private final Decision fixed;
    private final double probability;

    TraceSampler(String sampler, double probability) {
        this.fixed = switch (sampler) {
            case "always" -> Decision.SAMPLE;
            case "never" -> Decision.DROP;
            case "random" -> probability > 0 ? null : Decision.DROP;
            default -> Decision.KAMON;
        };
        this.probability = probability;
    }

    /** Whether a call with {@code parent} (null: a new trace) gets a span, and who decides. */
    Decision decide(TraceContext parent) {
        if (parent != null) {
            return parent.sampled() ? Decision.SAMPLE : Decision.DROP;
        }
        if (fixed != null) {
            return fixed;
        }
        return ThreadLocalRandom.current().nextDouble() < probability ? Decision.SAMPLE : Decision.DROP;
    }
}
