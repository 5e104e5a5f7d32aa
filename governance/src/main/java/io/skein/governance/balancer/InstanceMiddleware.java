package io.skein.governance.balancer;

import io.skein.governance.discovery.Instance;
import io.skein.transport.ClientChannel;

/** A stage applied to each instance's channel below the balancer (an instance breaker is one). */
@FunctionalInterface
public interface InstanceMiddleware {

    /** The channel that applies this stage for {@code instance} and then calls {@code next}. */
    ClientChannel wrap(Instance instance, ClientChannel next);
}
