/**
 * Generic command-line pieces: argument parsing, exit codes and one-line errors, the JSON {@code call}
 * command over protobuf descriptors, {@link io.skein.runtime.cli.ClusterClient} for
 * {@code call cluster://...} as a {@code client} member of a cluster, and
 * {@link io.skein.runtime.cli.ManagementMembers} for {@code members} from a contact point.
 */
package io.skein.runtime.cli;
