package io.skein.transport.internal.nativeproto;

import io.skein.protocols.StatusCode;

/**
 * Opens calls on a native connection to a Kitex server, which knows unary TTHeader calls only: it
 * takes any payload-less TTHeader frame (such as the StreamReset that cancels a call) for a corrupt
 * request and drops the connection. So a cancelled or expired call is only forgotten here; the
 * server applies the deadline it received. Streaming calls never reach this transport
 * ({@link KitexClientProtocol#unsupported}).
 */
final class KitexClientTransport extends NativeClientTransport {

    KitexClientTransport(NativeConnection connection) {
        super(connection);
    }

    @Override
    NativeClientStream newStream(int id) {
        return new NativeClientStream(connection, id) {
            @Override
            public void reset(StatusCode code, String reason) {
                // Kitex has no cancel, and would drop the connection on this frame.
            }

            @Override
            public void grant(int messages) {
                // Unary only: nothing to grant.
            }
        };
    }
}
