package io.skein.transport.internal.testing;

import io.skein.protocols.Metadata;
import io.skein.protocols.Status;

/**
 * What one call received from its connection, in the tests' own words (protocol-neutral, free of
 * any transport type): what a client handler hands the call it routes to.
 */
public sealed interface Received {

    /** The server's response headers. */
    record Headers(Metadata metadata) implements Received {
    }

    /** One message, as UTF-8 text. */
    record Message(String text) implements Received {
    }

    /** The peer lets this side send {@code credits} more messages. */
    record Credit(int credits) implements Received {
    }

    /** The peer will send no more messages (a client's half-close, seen by a server). */
    record HalfClose() implements Received {
    }

    /** The call ended with a status and trailing metadata. */
    record Trailers(Status status, Metadata metadata) implements Received {
    }

    /** The peer aborted the call. */
    record Reset(Status status) implements Received {
    }

    /** The connection (or the call's HTTP/2 stream) went away before the call ended. */
    record Closed(Status status) implements Received {
    }

    /** The protocol found the call's input bad (an undecodable or oversized message) and ends it. */
    record Failed(Status status) implements Received {
    }

    /** The call's wire can take writes again. */
    record Writable() implements Received {
    }
}
