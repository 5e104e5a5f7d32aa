package io.skein.transport;

import io.skein.protocols.Status;

/**
 * Server middleware that runs for every call of every protocol, in the one dispatcher, once the call's
 * method is known and before its request is decoded or admitted by the server limits: authentication
 * and authorization are interceptors, and so may be whatever a user adds (an audit log, a tenant check,
 * a header that must be present). Give them to the server with {@link ServerOptions.Builder#interceptor};
 * they run in the order given, and the first refusal ends the call.
 *
 * <p>An interceptor sees the call's {@link CallContext}: method, metadata, deadline, peer address,
 * {@linkplain CallContext#tls() TLS session} (with the client's verified certificate under mutual TLS)
 * and the {@linkplain CallContext#principal() principal} an earlier interceptor set; it may set the
 * principal and response headers. It runs on the connection's I/O thread: it must be quick and never
 * block (cache what a remote check would fetch). A throwing interceptor refuses the call with
 * {@code INTERNAL} and the connection lives on.
 */
@FunctionalInterface
public interface ServerInterceptor {

    /**
     * Looks at a call before its request is decoded.
     *
     * @return {@code null} to let the call go on, or the (non-OK) status to refuse it with; the refusal is
     *         answered at once, in the call's protocol, and no message of the call is parsed
     */
    Status intercept(CallContext call);
}
