/**
 * Typed client stubs built from protobuf service descriptors ({@link io.skein.actors.client.ServiceClient} and its per-method handles) and target URIs ({@link io.skein.actors.client.Targets}).
 */
package io.skein.actors.client;
