package io.skein.transport.internal;

import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import java.util.concurrent.CompletionStage;

/** How a client channel opens a streaming call on its wire (connecting first when it must). */
interface CallOpener {

    /**
     * Opens a stream whose inbound frames go to {@code inbound}: calls {@link WireStream#onOpened} on
     * the event loop before the open goes out (so before any frame of it can come back), and completes
     * with the wire, or fails when the call cannot be opened. {@code deadlineNanos} is the call's
     * deadline as a {@link System#nanoTime()} value, or 0 for none: the time left is computed when the
     * open is written, so connecting does not stretch the deadline the server sees. {@code window} is
     * the initial grant for responses (-1: the configured window).
     */
    CompletionStage<CallWire> open(String method, CallKind kind, Metadata metadata, long deadlineNanos, int window,
                                   WireStream inbound);

    /** Milliseconds left until {@code deadlineNanos} (at least 1), or 0 when there is no deadline. */
    static long remainingMillis(long deadlineNanos) {
        if (deadlineNanos == 0) {
            return 0;
        }
        long left = deadlineNanos - System.nanoTime();
        return Math.max(1, (left + 999_999) / 1_000_000);
    }
}
