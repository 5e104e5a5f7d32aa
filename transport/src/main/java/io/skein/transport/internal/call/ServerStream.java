package io.skein.transport.internal.call;

import io.netty.buffer.ByteBuf;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.transport.CallContext;
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
     * The dispatcher created the call's {@code context}, before it {@linkplain #attach attaches} the
     * call: a wire may read there what the service chose for its protocol's own features (gRPC: the
     * compression of the responses, when it writes the response headers). On the I/O thread.
     */
    default void bind(CallContext context) {
    }

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

    /**
     * {@link #respondUnary(Status, Metadata, Metadata, ByteBuf)}, the response compressed if
     * {@code compress} and the call's responses are (see {@link CallWire#sendMessage(ByteBuf, boolean)}).
     */
    default void respondUnary(Status status, Metadata headers, Metadata trailers, ByteBuf payload, boolean compress) {
        respondUnary(status, headers, trailers, payload);
    }
}
