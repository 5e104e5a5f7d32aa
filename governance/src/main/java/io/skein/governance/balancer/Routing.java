package io.skein.governance.balancer;

import io.skein.governance.discovery.Instance;
import io.skein.transport.CallOptions;
import java.util.Set;

/**
 * Routing hints one call attempt carries through {@link CallOptions} attributes, so middleware above
 * the balancer (retry, backup requests) can steer it and learn where an attempt went.
 */
public final class Routing {

    /** Instances (by node id) this attempt should avoid when another is eligible. */
    public static final CallOptions.Key<Set<String>> AVOID = CallOptions.Key.of("skein.routing.avoid");

    /** Where the balancer records the instance it picked for this attempt. */
    public static final CallOptions.Key<Picked> PICKED = CallOptions.Key.of("skein.routing.picked");

    private Routing() {
    }

    /** A slot the balancer fills with the instance it chose; one per attempt. */
    public static final class Picked {
        private volatile Instance instance;

        /** The picked instance, or {@code null} before the balancer ran (or when none was eligible). */
        public Instance instance() {
            return instance;
        }

        void set(Instance instance) {
            this.instance = instance;
        }
    }
}
