package io.skein.transport.internal.call;

import io.netty.buffer.ByteBuf;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import org.apache.pekko.annotation.InternalApi;

/**
 * The sink each protocol implements for one call on a server: everything the
 * {@link ServerDispatcher} and the call it starts may send back. A protocol handler creates one when a
 * call's head (method, metadata, deadline) has arrived and passes it to the dispatcher.
 */
@InternalApi
public interface ServerStream extends CallWire {

    /**
     * The dispatcher started the call: deliver its later events to {@code listener}. Called once, on
     * the I/O thread, before the next inbound frame of the call is read.
     */
    void attach(CallListener listener);

    /**
     * The call was refused before it started (unknown method, server shutting down, over a limit):
     * answer {@code status} and discard whatever the peer still sends for it. Called at most once,
     * on the I/O thread, instead of {@link #attach}.
     */
    void refuse(Status status);

    /** Response metadata before the first message (a streaming call). */
    void sendHeaders(Metadata headers);

    /** Ends a streaming call with {@code status} and trailing metadata. */
    void sendTrailers(Status status, Metadata trailers);

    /**
     * Writes the whole answer of a unary call; takes ownership of {@code payload} (empty unless
     * {@code status} is OK). Any thread.
     */
    void respondUnary(Status status, Metadata headers, Metadata trailers, ByteBuf payload);
}
