package io.skein.governance.balancer;

import io.skein.governance.discovery.Instance;

/** Picks the instance for one call from a fixed snapshot. Must be thread-safe and non-blocking. */
@FunctionalInterface
public interface Picker {

    /** The chosen instance, or {@code null} when no instance is {@linkplain PickContext#eligible eligible}. */
    Instance pick(PickContext context);
}
