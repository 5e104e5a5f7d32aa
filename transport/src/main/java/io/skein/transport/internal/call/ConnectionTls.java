package io.skein.transport.internal.call;

import io.netty.util.AttributeKey;
import io.skein.transport.tls.TlsPeer;
import org.apache.pekko.annotation.InternalApi;

/**
 * Where a server connection's TLS session is kept: a channel attribute the TLS layer sets once the
 * handshake succeeded (before any decrypted byte reaches a protocol) and the dispatcher reads for every
 * call. Absent on a plaintext connection.
 */
@InternalApi
public final class ConnectionTls {

    /** The verified TLS session of a server connection. */
    public static final AttributeKey<TlsPeer> PEER = AttributeKey.valueOf(ConnectionTls.class, "peer");

    private ConnectionTls() {
    }
}
