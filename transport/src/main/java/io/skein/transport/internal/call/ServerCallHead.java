package io.skein.transport.internal.call;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import java.net.SocketAddress;
import org.apache.pekko.annotation.InternalApi;

/**
 * What a protocol read of a call before its first message, as the dispatcher needs it.
 *
 * @param method        the method as the peer named it ({@code package.Service/Method}, or a Kitex short form)
 * @param kind          the call kind the peer announced, or {@code null} when its protocol does not say
 *                      (gRPC: the method's own kind is used)
 * @param metadata      request metadata
 * @param timeoutMillis the remaining budget on arrival, 0 for none
 * @param peer          the remote address
 */
@InternalApi
public record ServerCallHead(String method, CallKind kind, Metadata metadata, long timeoutMillis, SocketAddress peer) {
    public ServerCallHead {
        requireNonNull(method, "method");
        requireNonNull(metadata, "metadata");
    }
}
