/**
 * The transport API: servers ({@link io.skein.transport.RpcServer}), client channels ({@link io.skein.transport.ClientChannel}, {@link io.skein.transport.EndpointChannel}), what a method is to the transport ({@link io.skein.transport.MethodDescriptor}, {@link io.skein.transport.Marshaller}, {@link io.skein.transport.ServerMethodHandler}), call options and the server-side {@link io.skein.transport.CallContext}; server options ({@link io.skein.transport.ServerOptions}) with the admission hook ({@link io.skein.transport.CallAdmission}) through which server limits act before a request is decoded.
 */
package io.skein.transport;
