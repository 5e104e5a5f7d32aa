/**
 * Picking an instance per call. A {@link io.skein.governance.balancer.LoadBalancer} turns each
 * instance snapshot into a {@link io.skein.governance.balancer.Picker}; the
 * {@link io.skein.governance.balancer.BalancedChannel} routes every call (or stream) through the
 * current picker to a per-instance channel, honouring {@link io.skein.governance.balancer.Routing}
 * hints (instances to avoid, the instance picked) that retry and breakers pass through
 * {@link io.skein.transport.CallOptions} attributes.
 */
package io.skein.governance.balancer;
