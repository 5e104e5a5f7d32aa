package io.skein.transport.internal.call;

import io.netty.buffer.ByteBuf;
import org.apache.pekko.annotation.InternalApi;

/**
 * One client connection of one protocol, as the call engine uses it: it opens calls. Each protocol
 * (native Skein, Kitex-compatible native, gRPC over HTTP/2, and any transport added later) implements
 * it in its own package; {@link ClientUnaryCall} and {@link CallStreamStage} are written against it
 * only. The model is grpc-java's {@code ClientTransport.newStream}.
 */
@InternalApi
public interface ClientTransport {

    /**
     * Opens a call; any thread (the transport hops to its I/O thread). On success the transport calls
     * {@link CallListener#onOpened} on that thread before any event of the call can arrive, then
     * delivers the call's events. When the call cannot be opened (the connection is going away, the
     * protocol does not carry this kind of call) it delivers one {@link StreamEvent.Closed} instead and
     * the call never reached the server.
     *
     * @param unaryRequest the serialized request of a unary call, whose ownership passes to the
     *                     transport; {@code null} for a streaming call, whose messages follow on the
     *                     {@link ClientStream}
     */
    void open(ClientCallHead head, ByteBuf unaryRequest, CallListener listener);

    /** The connection this transport opens calls on (its lifecycle belongs to the pool that made it). */
    Connection connection();
}
