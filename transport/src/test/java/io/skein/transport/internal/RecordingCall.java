package io.skein.transport.internal;

import io.skein.protocols.Status;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.internal.testing.Received;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A call on the client side that only records what its connection hands it, as {@link Received}
 * events. Porting seam: today a handler hands a call {@link SkeinFrame}s through {@link WireStream};
 * this is the one class that translates them (and will translate the redesign's stream events).
 * Used on the event loop (the test thread) only.
 */
final class RecordingCall implements WireStream {

    private final List<Received> received = new ArrayList<>();
    private CallWire wire;

    /** What the call received so far, in order; forgets it. */
    List<Received> received() {
        List<Received> all = List.copyOf(received);
        received.clear();
        return all;
    }

    /** The wire the call was opened on (null before). */
    CallWire wire() {
        return wire;
    }

    @Override
    public void onOpened(CallWire opened) {
        wire = opened;
    }

    @Override
    public void onFrame(SkeinFrame frame) {
        received.add(toReceived(frame));
    }

    private static Received toReceived(SkeinFrame frame) {
        if (frame instanceof SkeinFrame.StreamHeaders h) {
            return new Received.Headers(h.metadata());
        } else if (frame instanceof SkeinFrame.StreamMessage m) {
            return new Received.Message(m.payload().toString(StandardCharsets.UTF_8));
        } else if (frame instanceof SkeinFrame.StreamCredit c) {
            return new Received.Credit(c.credits());
        } else if (frame instanceof SkeinFrame.StreamHalfClose) {
            return new Received.HalfClose();
        } else if (frame instanceof SkeinFrame.StreamTrailers t) {
            return new Received.Trailers(t.status(), t.metadata());
        } else if (frame instanceof SkeinFrame.StreamReset r) {
            return new Received.Reset(Status.of(r.code(), r.reason()));
        }
        throw new AssertionError("a call was handed " + frame);
    }

    @Override
    public void onConnectionClosed(Status status) {
        received.add(new Received.Closed(status));
    }
}
