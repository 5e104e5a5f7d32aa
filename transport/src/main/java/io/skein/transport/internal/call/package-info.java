/**
 * The protocol-neutral call engine. Protocol handlers (native TTHeader, gRPC over HTTP/2, and any
 * transport added later) frame bytes and nothing else: they hand each call's inbound traffic to the
 * engine as {@link io.skein.transport.internal.call.StreamEvent}s through a
 * {@link io.skein.transport.internal.call.CallListener}, and the engine answers through the protocol's
 * {@link io.skein.transport.internal.call.CallWire} ({@link io.skein.transport.internal.call.ServerStream}
 * on a server, {@link io.skein.transport.internal.call.ClientStream} on a client).
 *
 * <ul>
 * <li>Server: {@link io.skein.transport.internal.call.ServerDispatcher} (lookup, refusal, admission,
 * call context, then a {@link io.skein.transport.internal.call.ServerUnaryCall} or a
 * {@link io.skein.transport.internal.call.CallStreamStage}) is the one dispatch path for every protocol.</li>
 * <li>Client: a {@link io.skein.transport.internal.call.ClientTransport} per protocol opens calls on one
 * connection; {@link io.skein.transport.internal.call.ClientUnaryCall} and the client side of
 * {@link io.skein.transport.internal.call.CallStreamStage} are the one unary and the one streaming
 * call implementation on top of it.</li>
 * </ul>
 * Not API: public only so the protocol packages and the runtime can reach it.
 */
@InternalApi
package io.skein.transport.internal.call;

import org.apache.pekko.annotation.InternalApi;
