/**
 * {@link io.skein.runtime.SkeinNode}: an actor system serving services on one port, with graceful
 * shutdown; optionally a Pekko Cluster member that publishes its services in the cluster's registry
 * ({@link io.skein.runtime.cluster}).
 */
package io.skein.runtime;
