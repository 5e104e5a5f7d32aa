package io.skein.transport.internal.testing;

import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;

/** What a call stream did to its wire, in the tests' own words (protocol-neutral). */
public sealed interface WireOp {

    /** One message went out (as UTF-8 text). */
    record Sent(String message) implements WireOp {
    }

    /** The peer may send {@code messages} more. */
    record Granted(int messages) implements WireOp {
    }

    /** Client: no more requests. */
    record HalfClosed() implements WireOp {
    }

    /** Server: response headers. */
    record HeadersSent(Metadata headers) implements WireOp {
    }

    /** Server: the call's end. */
    record TrailersSent(Status status, Metadata trailers) implements WireOp {
    }

    /** The call was aborted towards the peer. */
    record ResetSent(StatusCode code, String reason) implements WireOp {
    }

    /** The call let go of its wire (the last thing it does). */
    record Detached() implements WireOp {
    }
}
