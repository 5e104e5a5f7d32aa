package io.skein.transport;

import static java.util.Objects.requireNonNull;

/**
 * A method a server serves: its descriptor and its handler.
 *
 * @param descriptor the method
 * @param handler    how calls are served
 * @param <Req>      request type
 * @param <Resp>     response type
 */
public record ServerMethod<Req, Resp>(MethodDescriptor<Req, Resp> descriptor, ServerMethodHandler<Req, Resp> handler) {
    public ServerMethod {
        requireNonNull(descriptor, "descriptor");
        requireNonNull(handler, "handler");
    }
}
