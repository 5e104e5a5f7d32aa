/**
 * Generic command-line pieces: argument parsing, the JSON {@code call} command over protobuf
 * descriptors, and {@link io.skein.runtime.cli.ClusterClient} for {@code call cluster://...} and
 * {@code members} as a {@code client} member of a cluster.
 */
package io.skein.runtime.cli;
