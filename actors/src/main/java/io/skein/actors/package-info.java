/**
 * The service model: a protobuf service implemented by a Pekko typed actor ({@link io.skein.actors.ServiceDefinition}), the call messages the actor receives ({@link io.skein.actors.UnaryCall}, {@link io.skein.actors.ServerStreamingCall}, {@link io.skein.actors.ClientStreamingCall}, {@link io.skein.actors.BidiStreamingCall}) and the functional convenience layer built on them ({@link io.skein.actors.FunctionalService}).
 */
package io.skein.actors;
