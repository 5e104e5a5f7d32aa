package io.skein.transport.internal.nativeproto;

import io.skein.protocols.CallKind;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import java.net.SocketAddress;
import org.apache.pekko.annotation.InternalApi;

/**
 * TTHeader + Kitex Protobuf towards a Kitex server ({@code kitex://}): unary calls only, and never a
 * frame Kitex does not know (see {@link KitexClientTransport}).
 */
@InternalApi
public final class KitexClientProtocol extends NativeClientProtocol {

    @Override
    public String name() {
        return "kitex";
    }

    @Override
    NativeClientTransport transport(NativeConnection connection) {
        return new KitexClientTransport(connection);
    }

    @Override
    public Status unsupported(String method, CallKind kind, SocketAddress address) {
        return kind == CallKind.UNARY ? null : Status.of(StatusCode.UNIMPLEMENTED, "Kitex peer " + address
                + " serves only unary calls over TTHeader; " + method + " is " + kind);
    }
}
