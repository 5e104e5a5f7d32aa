package io.skein.governance.balancer;

import static java.util.Objects.requireNonNull;

import io.skein.governance.discovery.Instance;
import io.skein.transport.CallOptions;
import io.skein.transport.MethodDescriptor;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * What a picker may know about one call.
 *
 * @param method      the method called
 * @param options     the call's options (metadata for hash keys, routing hints)
 * @param eligible    whether an instance may take this call (not excluded by a retry, breaker closed);
 *                    pickers skip instances that fail it and fall back to any eligible one
 * @param outstanding calls in flight per instance, for least-loaded strategies
 */
public record PickContext(MethodDescriptor<?, ?> method, CallOptions options, Predicate<Instance> eligible,
        ToIntFunction<Instance> outstanding) {

    public PickContext {
        requireNonNull(method, "method");
        requireNonNull(options, "options");
        requireNonNull(eligible, "eligible");
        requireNonNull(outstanding, "outstanding");
    }
}
