package io.skein.governance.balancer;

import io.skein.governance.discovery.Instance;
import java.util.List;

/**
 * A load-balancing strategy. {@link #picker} is called once per instance snapshot (not per call), so
 * the work of building tables (weights, hash rings) is paid when membership changes.
 */
public interface LoadBalancer {

    /** The strategy's name, as configured ({@code round-robin}, {@code weighted-round-robin}, ...). */
    String name();

    /** A picker over {@code instances} (never empty). */
    Picker picker(List<Instance> instances);
}
