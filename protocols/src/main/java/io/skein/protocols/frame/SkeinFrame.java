package io.skein.protocols.frame;

import io.netty.buffer.ByteBuf;
import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;

/**
 * One frame of Skein's native protocol, as the transport sees it once {@link SkeinFrameDecoder} has
 * parsed it (and before {@link SkeinFrameEncoder} writes it). Every frame travels as one TTHeader
 * frame whose sequence id is the {@link #streamId()}; {@code docs/protocol.md} documents every byte.
 *
 * <p>Unary calls use Kitex's ping-pong shape ({@link UnaryRequest}, {@link UnaryResponse}) so that a
 * Kitex TTHeader + Protobuf peer can talk to Skein. Streaming calls are multiplexed by stream id with
 * the remaining frame types and credit-based flow control.
 *
 * <p>Frames that carry a payload ({@link PayloadFrame}) are reference counted: whoever receives one
 * releases it.
 */
public sealed interface SkeinFrame
        permits PayloadFrame, SkeinFrame.StreamOpen, SkeinFrame.StreamHeaders, SkeinFrame.StreamHalfClose,
        SkeinFrame.StreamTrailers, SkeinFrame.StreamReset, SkeinFrame.StreamCredit, SkeinFrame.GoAway {

    /** No timeout: the call has no deadline. */
    long NO_TIMEOUT = 0;

    /** The stream (TTHeader sequence id) the frame belongs to; 0 for connection-level frames. */
    int streamId();

    /**
     * A unary request (Kitex PingPong "Call"). {@code method} is {@code package.Service/Method}, or just
     * {@code Method} when the peer (a plain Kitex client) did not name the IDL service.
     * {@code timeoutMillis} is the remaining time budget ({@link #NO_TIMEOUT} for none).
     */
    record UnaryRequest(int streamId, String method, Metadata metadata, long timeoutMillis, ByteBuf payload)
            implements PayloadFrame {
    }

    /**
     * The answer to a {@link UnaryRequest}: a Kitex "Reply" when OK; when not OK, a Reply carrying a
     * Kitex business status if the status was {@linkplain Status#isRaised() raised} by the service,
     * an "Exception" otherwise ({@code docs/protocol.md} §3). The payload is empty when the status is
     * not OK. {@code metadata} carries the server's response metadata.
     */
    record UnaryResponse(int streamId, String method, Status status, Metadata metadata, ByteBuf payload)
            implements PayloadFrame {
    }

    /**
     * Opens a streaming call (client to server). {@code initialCredits} is how many response messages
     * the client lets the server send before it grants more with {@link StreamCredit}.
     */
    record StreamOpen(int streamId, String method, CallKind kind, Metadata metadata, long timeoutMillis,
                      int initialCredits) implements SkeinFrame {
    }

    /** The server's response metadata, sent at most once, before its first message. */
    record StreamHeaders(int streamId, Metadata metadata) implements SkeinFrame {
    }

    /** One message of a stream, in either direction. Sending one spends one credit. */
    record StreamMessage(int streamId, ByteBuf payload) implements PayloadFrame {
    }

    /** The client has no more request messages (the server still answers). */
    record StreamHalfClose(int streamId) implements SkeinFrame {
    }

    /** The server ends the call with a status and trailing metadata. */
    record StreamTrailers(int streamId, Status status, Metadata metadata) implements SkeinFrame {
    }

    /**
     * Aborts a stream from either side: the sender will send nothing more on it and drops what it
     * receives. A client cancel is {@code CANCELLED}; a server that passes the deadline uses
     * {@code DEADLINE_EXCEEDED}.
     */
    record StreamReset(int streamId, StatusCode code, String reason) implements SkeinFrame {
    }

    /** Grants the peer {@code credits} more messages on the stream. */
    record StreamCredit(int streamId, int credits) implements SkeinFrame {
    }

    /**
     * The sender accepts no new streams above {@code lastStreamId}; calls already started go on.
     * Sent on stream 0 at graceful shutdown.
     */
    record GoAway(int lastStreamId, String reason) implements SkeinFrame {
        @Override
        public int streamId() {
            return 0;
        }
    }
}
