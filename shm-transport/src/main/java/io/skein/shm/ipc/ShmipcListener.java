package io.skein.shm.ipc;

import io.netty.buffer.ByteBuf;

/**
 * What a {@link ShmipcSession} tells its user, always on the session's event loop, in the order the
 * peer sent it per stream.
 */
public interface ShmipcListener {

    /** The handshake is done: the session can send and receive. */
    default void onReady(ShmipcSession session) {
    }

    /**
     * Data the peer flushed on {@code streamId}: the readable bytes of {@code data} (the slices in
     * shared memory, read in place, or the bytes of a fallback event). Valid only during this call: the
     * session recycles the slices when it returns, so a listener consumes the bytes (parses or copies
     * them) and keeps no reference, and neither retains nor releases {@code data}.
     *
     * @param fallback whether the data came over the socket because the peer had no free slices
     */
    void onData(int streamId, ByteBuf data, boolean fallback);

    /** The peer closed {@code streamId}. */
    default void onStreamClosed(int streamId) {
    }

    /** The session is over (the peer went away, broke the protocol, or this side closed it). Called once. */
    void onClosed(String reason);
}
