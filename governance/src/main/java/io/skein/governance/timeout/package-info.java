/**
 * Timeouts. The RPC timeout of a call (per client, per method, per call) travels as
 * {@link io.skein.transport.CallOptions#timeout()}, becomes the deadline on the wire and is enforced
 * by the transport; a server calling onwards keeps the caller's remaining deadline with
 * {@link io.skein.transport.CallOptions#continuing}. The connect timeout is the transport's
 * {@code skein.client.connect-timeout}. {@link io.skein.governance.timeout.ReceiveTimeout} ends a
 * stream that goes silent with {@code DEADLINE_EXCEEDED}.
 */
package io.skein.governance.timeout;
