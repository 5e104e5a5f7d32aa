package io.skein.transport.internal;

import io.netty.util.AttributeKey;

/** The channel attribute holding a channel's {@link Connection}. */
final class ConnectionKey {
    static final AttributeKey<Connection> KEY = AttributeKey.valueOf(Connection.class, "skein.connection");

    private ConnectionKey() {
    }
}
