package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.CallKind;

/**
 * What the transport needs to know of one RPC method: its full name, its call kind and how to
 * marshal its messages.
 *
 * @param fullName  {@code package.Service/Method}
 * @param kind      the call shape
 * @param requests  the request marshaller
 * @param responses the response marshaller
 * @param <Req>     request type
 * @param <Resp>    response type
 */
public record MethodDescriptor<Req, Resp>(String fullName, CallKind kind, Marshaller<Req> requests,
                                          Marshaller<Resp> responses) {

    public MethodDescriptor {
        requireNonNull(fullName, "fullName");
        requireNonNull(kind, "kind");
        requireNonNull(requests, "requests");
        requireNonNull(responses, "responses");
        int slash = fullName.indexOf('/');
        if (slash <= 0 || slash == fullName.length() - 1 || fullName.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("method name must be package.Service/Method: " + fullName);
        }
    }

    /** {@code package.Service}. */
    public String serviceName() {
        return fullName.substring(0, fullName.indexOf('/'));
    }

    /** {@code Method}. */
    public String methodName() {
        return fullName.substring(fullName.indexOf('/') + 1);
    }
}
