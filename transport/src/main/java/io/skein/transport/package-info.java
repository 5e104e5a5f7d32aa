/**
 * The transport API: servers ({@link io.skein.transport.SkeinServer}), client channels ({@link io.skein.transport.ClientChannel}, {@link io.skein.transport.SkeinChannel}), what a method is to the transport ({@link io.skein.transport.MethodDescriptor}, {@link io.skein.transport.Marshaller}, {@link io.skein.transport.ServerMethodHandler}), call options and the server-side {@link io.skein.transport.CallContext}.
 */
package io.skein.transport;
