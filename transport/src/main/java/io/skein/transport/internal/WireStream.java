package io.skein.transport.internal;

import io.skein.protocols.Status;
import io.skein.protocols.frame.SkeinFrame;

/**
 * One call as its connection sees it. All methods run on the connection's event loop; an
 * implementation hands events to its own actor or stage and returns at once.
 */
interface WireStream {

    /** A frame for this stream arrived. The caller releases it after this returns. */
    void onFrame(SkeinFrame frame);

    /**
     * Client side: the call is open on {@code wire}. Called on the wire's event loop before any frame
     * of the stream can arrive, so a stream learns its wire before its first frame.
     */
    default void onOpened(CallWire wire) {
    }

    /** The channel became writable again. */
    default void onWritable() {
    }

    /** The connection is gone; the call ends with {@code status} (UNAVAILABLE). */
    void onConnectionClosed(Status status);
}
