package io.skein.governance.balancer;

import static java.util.Objects.requireNonNull;

import io.skein.governance.discovery.Instance;
import io.skein.protocols.Metadata;
import io.skein.transport.MethodDescriptor;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * What a picker may know about one call.
 *
 * @param method      the method called
 * @param metadata    the call's request metadata (hash keys)
 * @param eligible    whether an instance may take this call (not excluded by a retry, breaker closed);
 *                    pickers skip instances that fail it and fall back to any eligible one
 * @param outstanding calls in flight per instance, for least-loaded strategies
 */
public record PickContext(MethodDescriptor<?, ?> method, Metadata metadata, Predicate<Instance> eligible,
        ToIntFunction<Instance> outstanding) {

    public PickContext {
        requireNonNull(method, "method");
        requireNonNull(metadata, "metadata");
        requireNonNull(eligible, "eligible");
        requireNonNull(outstanding, "outstanding");
    }
}
