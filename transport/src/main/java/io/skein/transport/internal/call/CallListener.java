package io.skein.transport.internal.call;

import org.apache.pekko.annotation.InternalApi;

/**
 * One call as its protocol handler sees it: where the handler delivers the call's
 * {@link StreamEvent}s. Every method runs on the transport's I/O thread for the call; an
 * implementation hands events to its own stage or future and returns at once, never blocking.
 */
@InternalApi
public interface CallListener {

    /** An event of this call, in wire order. A {@link StreamEvent.Message}'s payload is released after this returns. */
    void onEvent(StreamEvent event);

    /**
     * Client side: the call is open on {@code stream}. Called on the stream's I/O thread before any
     * event of the call can arrive, so a call learns its stream before its first event. Not called when
     * the call could not be opened (then a {@link StreamEvent.Closed} arrives instead).
     */
    default void onOpened(ClientStream stream) {
    }
}
