package io.skein.transport.internal.call;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import org.apache.pekko.annotation.InternalApi;

/**
 * What a protocol handler tells the call engine about one call: the only vocabulary between the
 * protocols (native TTHeader, gRPC over HTTP/2, and any transport added later) and the engine. A
 * handler translates its wire frames into these and hands them to the call's {@link CallListener} on
 * its I/O thread, in wire order; the engine never sees a protocol's frame types.
 *
 * <p>A {@link Message}'s payload stays owned by the handler, which releases it after
 * {@link CallListener#onEvent} returns: a listener parses it synchronously and keeps no reference.
 */
@InternalApi
public sealed interface StreamEvent {

    /** The peer has nothing more to send on this call (client to server: the request is complete). */
    HalfClose HALF_CLOSE = new HalfClose();

    /** The call's wire can take writes again. */
    Writable WRITABLE = new Writable();

    /** The server's response metadata, before its first message (client side). */
    record Headers(Metadata metadata) implements StreamEvent {
        public Headers {
            requireNonNull(metadata, "metadata");
        }
    }

    /**
     * One serialized message from the peer; the payload is the handler's (see the type's Javadoc).
     * {@code compressed}: the message arrived compressed on the wire (the payload is already
     * decompressed); always false for a protocol without message compression. The engine records it in
     * the call's context (server) or response capture (client), where a service or caller can ask.
     */
    record Message(ByteBuf payload, boolean compressed) implements StreamEvent {
        public Message {
            requireNonNull(payload, "payload");
        }

        /** A message that arrived uncompressed. */
        public Message(ByteBuf payload) {
            this(payload, false);
        }
    }

    /** The peer sends no more messages (see {@link #HALF_CLOSE}). */
    final class HalfClose implements StreamEvent {
        private HalfClose() {
        }

        @Override
        public String toString() {
            return "HalfClose";
        }
    }

    /** The server ended the call with {@code status} and trailing metadata (client side). */
    record Trailers(Status status, Metadata metadata) implements StreamEvent {
        public Trailers {
            requireNonNull(status, "status");
            requireNonNull(metadata, "metadata");
        }
    }

    /**
     * The peer aborted the call: a client's cancel or expired deadline on a server ({@code CANCELLED} or
     * {@code DEADLINE_EXCEEDED}); a server's reset on a client (its status as the protocol maps it).
     */
    record Reset(Status status) implements StreamEvent {
        public Reset {
            requireNonNull(status, "status");
        }
    }

    /**
     * The protocol found this call's input bad (an undecodable or oversized message, a broken frame
     * sequence): the engine ends the call with {@code status}, telling the peer (trailers from a server,
     * a reset from a client).
     */
    record Failed(Status status) implements StreamEvent {
        public Failed {
            requireNonNull(status, "status");
        }
    }

    /** The peer lets this side send {@code credits} more messages (credit-counting protocols only). */
    record Credit(int credits) implements StreamEvent {
    }

    /** See {@link #WRITABLE}. */
    final class Writable implements StreamEvent {
        private Writable() {
        }

        @Override
        public String toString() {
            return "Writable";
        }
    }

    /**
     * The call's connection (or stream) is gone, or the call could not be opened on it: the call ends
     * with {@code status} ({@code UNAVAILABLE}) and nothing more can be sent.
     */
    record Closed(Status status) implements StreamEvent {
        public Closed {
            requireNonNull(status, "status");
        }
    }
}
