package io.skein.transport.internal;

import io.skein.transport.internal.call.CallListener;
import io.skein.transport.internal.call.ClientStream;
import io.skein.transport.internal.call.StreamEvent;
import io.skein.transport.internal.testing.Received;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A call on the client side that only records what its connection hands it, as {@link Received}
 * events. Porting seam: a protocol handler hands a call {@link StreamEvent}s through its
 * {@link CallListener}; this is the one class that translates them into the tests' words. Used on the
 * event loop (the test thread) only.
 */
final class RecordingCall implements CallListener {

    private final List<Received> received = new ArrayList<>();
    private ClientStream stream;

    /** What the call received so far, in order; forgets it. */
    List<Received> received() {
        List<Received> all = List.copyOf(received);
        received.clear();
        return all;
    }

    /** The stream the call was opened on (null before). */
    ClientStream stream() {
        return stream;
    }

    @Override
    public void onOpened(ClientStream opened) {
        stream = opened;
    }

    @Override
    public void onEvent(StreamEvent event) {
        received.add(toReceived(event));
    }

    private static Received toReceived(StreamEvent event) {
        if (event instanceof StreamEvent.Headers h) {
            return new Received.Headers(h.metadata());
        } else if (event instanceof StreamEvent.Message m) {
            // The payload is the handler's and released once this returns: keep its text only.
            return new Received.Message(m.payload().toString(StandardCharsets.UTF_8));
        } else if (event instanceof StreamEvent.Credit c) {
            return new Received.Credit(c.credits());
        } else if (event == StreamEvent.HALF_CLOSE) {
            return new Received.HalfClose();
        } else if (event instanceof StreamEvent.Trailers t) {
            return new Received.Trailers(t.status(), t.metadata());
        } else if (event instanceof StreamEvent.Reset r) {
            return new Received.Reset(r.status());
        } else if (event instanceof StreamEvent.Closed c) {
            return new Received.Closed(c.status());
        } else if (event instanceof StreamEvent.Failed f) {
            return new Received.Failed(f.status());
        } else if (event == StreamEvent.WRITABLE) {
            return new Received.Writable();
        }
        throw new AssertionError("a call was handed " + event);
    }
}
