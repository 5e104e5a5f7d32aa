/**
 * Picking an instance per call. A {@link io.skein.governance.balancer.LoadBalancer} turns each
 * instance snapshot into a {@link io.skein.governance.balancer.Picker}; the
 * {@link io.skein.governance.balancer.BalancedChannel} routes every call (or stream) through the
 * current picker to a per-instance channel, honouring the routing hints of the call's
 * {@link io.skein.transport.ClientCallContext} (instances a retry avoids) and recording there the
 * instance it picked.
 */
package io.skein.governance.balancer;
