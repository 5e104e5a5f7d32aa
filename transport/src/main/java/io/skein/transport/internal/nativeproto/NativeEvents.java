package io.skein.transport.internal.nativeproto;

import io.skein.protocols.Status;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.internal.call.CallListener;
import io.skein.transport.internal.call.StreamEvent;

/** Native stream frames as the call engine's {@link StreamEvent}s; the frame type stays in this package. */
final class NativeEvents {

    private NativeEvents() {
    }

    /**
     * Delivers what {@code frame} (a frame of an existing call) means to {@code call}: one event, or for a
     * unary answer the headers (when there are any), the message (when OK) and the trailers. Returns
     * false when the frame is not one a call receives.
     */
    static boolean deliver(SkeinFrame frame, CallListener call) {
        if (frame instanceof SkeinFrame.StreamMessage m) {
            call.onEvent(new StreamEvent.Message(m.payload()));
        } else if (frame instanceof SkeinFrame.StreamCredit c) {
            call.onEvent(new StreamEvent.Credit(c.credits()));
        } else if (frame instanceof SkeinFrame.StreamHalfClose) {
            call.onEvent(StreamEvent.HALF_CLOSE);
        } else if (frame instanceof SkeinFrame.StreamReset r) {
            call.onEvent(new StreamEvent.Reset(Status.of(r.code(), r.reason())));
        } else if (frame instanceof SkeinFrame.StreamHeaders h) {
            call.onEvent(new StreamEvent.Headers(h.metadata()));
        } else if (frame instanceof SkeinFrame.StreamTrailers t) {
            call.onEvent(new StreamEvent.Trailers(t.status(), t.metadata()));
        } else if (frame instanceof SkeinFrame.UnaryResponse r) {
            // One frame carries the whole answer; its metadata is both headers and trailers.
            if (!r.metadata().isEmpty()) {
                call.onEvent(new StreamEvent.Headers(r.metadata()));
            }
            if (r.status().isOk()) {
                call.onEvent(new StreamEvent.Message(r.payload()));
            }
            call.onEvent(new StreamEvent.Trailers(r.status(), r.metadata()));
        } else {
            return false;
        }
        return true;
    }
}
