package io.skein.transport.internal.call;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.skein.protocols.StatusCode;
import org.apache.pekko.annotation.InternalApi;

/**
 * The outbound side of one call, whatever the protocol: what the engine sends and how its demand
 * reaches the peer. The native protocol counts message credits; HTTP/2 (gRPC) relies on its own
 * flow-control windows, opened as the engine grants more. Every method is safe from any thread; an
 * implementation hops to its I/O thread where it must.
 */
@InternalApi
public interface CallWire {

    /** Whether sends spend message credits the peer grants (native); otherwise only writability gates them. */
    boolean countsCredits();

    /** Messages this side may send before any grant (native server: the client's StreamOpen grant). */
    int initialSendCredits();

    /** How many inbound messages the engine buffers and grants at most. */
    int window();

    /** Largest serialized message this wire carries. */
    int maxMessageSize();

    ByteBufAllocator alloc();

    /** Whether a message written now would be taken without growing the write buffer past its mark. */
    boolean isWritable();

    /** Sends one message; takes ownership of {@code payload}. */
    void sendMessage(ByteBuf payload);

    /**
     * Sends one message, compressed if {@code compress} and the call's wire compresses (gRPC, with an
     * encoding negotiated for the call); a wire without message compression ignores the flag. Takes
     * ownership of {@code payload}.
     */
    default void sendMessage(ByteBuf payload, boolean compress) {
        sendMessage(payload);
    }

    /** Aborts the call towards the peer (protocols that cannot say so to their peer only forget the call). */
    void reset(StatusCode code, String reason);

    /** The consumer took {@code messages} more: let the peer send that many more. */
    void grant(int messages);

    /** The call is over: stop delivering events to {@code listener} and release what the wire holds. */
    void detach(CallListener listener);
}
