package io.skein.transport.internal;

import io.skein.protocols.Metadata;
import io.skein.protocols.Status;

/**
 * What the event loop tells a {@link CallStreamStage}, through the stage's one async callback: the
 * connection it got, the frames of its stream, writability, and the connection's end.
 */
final class StreamEvent {

    private StreamEvent() {
    }

    record ConnectFailed(Status status) {
    }

    record Opened(CallWire wire) {
    }

    record Message(Object value) {
    }

    record Credit(int credits) {
    }

    record Writable() {
    }

    record Headers(Metadata metadata) {
    }

    record HalfClosed() {
    }

    record Trailers(Status status, Metadata metadata) {
    }

    record Reset(Status status) {
    }

    record Closed(Status status) {
    }

    record ParseFailed(Status status) {
    }

    static final Writable WRITABLE = new Writable();
    static final HalfClosed HALF_CLOSED = new HalfClosed();
}
