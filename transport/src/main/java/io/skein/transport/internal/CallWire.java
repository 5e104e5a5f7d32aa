package io.skein.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;

/**
 * One call's wire, whatever the protocol: what a {@link CallStreamStage} sends and how its demand
 * reaches the peer. The native protocol counts message credits; HTTP/2 (gRPC) relies on its own
 * flow-control windows, opened as the stage asks for more. Methods are safe from any thread.
 * Inbound frames reach the stage as {@link io.skein.protocols.frame.SkeinFrame}s through
 * {@link WireStream}, whatever protocol carried them.
 */
interface CallWire {

    /** Whether sends spend message credits the peer grants (native); otherwise the wire is only gated by writability. */
    boolean countsCredits();

    /** Messages this side may send before any grant (native server: the client's StreamOpen grant). */
    int initialSendCredits();

    /** How many inbound messages the stage buffers and grants at most. */
    int window();

    /** Largest serialized message this wire carries. */
    int maxMessageSize();

    ByteBufAllocator alloc();

    /** Whether a message written now would be taken without growing the write buffer past its mark. */
    boolean isWritable();

    /** Registers the stage for this call's inbound frames (server side; clients register when opening). */
    void attach(WireStream stream);

    /** Sends one message; takes ownership of {@code payload}. */
    void sendMessage(ByteBuf payload);

    /** Client: no more requests. */
    void halfClose();

    /** Server: response metadata before the first message. */
    void sendHeaders(Metadata headers);

    /** Server: ends the call. */
    void sendTrailers(Status status, Metadata trailers);

    /** Aborts the call towards the peer. */
    void reset(StatusCode code, String reason);

    /** The consumer took {@code messages} more: let the peer send that many more. */
    void grant(int messages);

    /** The call is over: stop routing frames to {@code stream} and release what the wire holds. */
    void detach(WireStream stream);
}
