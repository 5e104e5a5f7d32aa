/**
 * Clustered nodes: Pekko Cluster membership as the service registry.
 *
 * <p><b>Why the Receptionist and not Distributed Data directly.</b> The registry must drop a node's
 * entries when it leaves, is downed or becomes unreachable. Pekko's typed
 * {@link org.apache.pekko.actor.typed.receptionist.Receptionist} already ties entries to membership:
 * it removes the entries of removed members itself, and its listings exclude unreachable members
 * ({@code Listing.getServiceInstances}; {@code getAllServiceInstances} includes them) and are re-sent
 * when reachability changes. It is replicated with Distributed Data underneath (eventually
 * consistent, delta propagation), so it costs nothing to run beside the cluster. Written on Distributed
 * Data directly, the same registry would need its own cleanup of removed nodes (someone must write the
 * removal, and only once), its own reachability filter and its own serializer.
 *
 * <p>An entry's data (node id, RPC host and port, protocols, weight, tags) is the registered actor's
 * name ({@link io.skein.runtime.cluster.internal.EntryNames}): it is immutable for the entry's life
 * and replicated with the registration, so listings need no further round trip.
 *
 * <p>{@link io.skein.runtime.cluster.ClusterRegistry} publishes and watches entries;
 * {@link io.skein.runtime.cluster.ClusterTargets} adds the {@code cluster://package.Service} target;
 * {@link io.skein.runtime.cluster.SkeinReadinessCheck} is pekko-management's readiness for Skein;
 * {@link io.skein.runtime.cluster.ClusterSettings} reads {@code skein.cluster}.
 */
package io.skein.runtime.cluster;
