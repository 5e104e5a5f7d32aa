/**
 * Internals of the cluster registry: how entries are encoded in registered actors' names and the
 * actors that watch Receptionist listings. Not API.
 */
package io.skein.runtime.cluster.internal;
