/**
 * Instances of a service and their sources: {@link io.skein.governance.discovery.Instance} (one
 * serving endpoint with its weight and tags) and {@link io.skein.governance.discovery.InstanceSource}
 * (a live list; the runtime's cluster registry is one, {@link
 * io.skein.governance.discovery.StaticInstanceSource} a fixed one).
 */
package io.skein.governance.discovery;
