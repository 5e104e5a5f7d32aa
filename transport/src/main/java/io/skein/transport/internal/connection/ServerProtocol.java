package io.skein.transport.internal.connection;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.call.ServerDispatcher;
import java.util.function.Consumer;
import org.apache.pekko.annotation.InternalApi;

/**
 * A wire protocol a server port speaks, as the {@link ProtocolDetector} sees it: whether a connection's
 * first bytes announce it, and how to install its handlers. Each protocol implements it in its own
 * package; a new protocol is a new implementation given to the server, never a branch in another's code.
 */
@InternalApi
public interface ServerProtocol {

    /** A short name for logs ("skein", "grpc"). */
    String name();

    /** What a person should read to know the protocol, e.g. "gRPC (HTTP/2 with prior knowledge)". */
    default String description() {
        return name();
    }

    /** Bytes needed before {@link #matches} can decide. */
    int prefixLength();

    /**
     * Whether the connection's first bytes (at least {@link #prefixLength()} readable from
     * {@code first}'s reader index, which must not move) announce this protocol.
     */
    boolean matches(ByteBuf first);

    /**
     * Installs this protocol's handlers after the detector at {@code ctx}, dispatching calls to
     * {@code dispatcher}; {@code onOpen} gets the connection once it exists.
     */
    void install(ChannelHandlerContext ctx, ServerDispatcher dispatcher, Consumer<Connection> onOpen);
}
