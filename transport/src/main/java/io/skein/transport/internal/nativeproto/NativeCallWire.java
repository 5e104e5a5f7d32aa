package io.skein.transport.internal.nativeproto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.skein.protocols.StatusCode;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.internal.call.CallListener;
import io.skein.transport.internal.call.CallWire;

/** What a call's wire does alike on both ends of a native connection: one stream id, Skein stream frames, message credits. */
abstract class NativeCallWire implements CallWire {

    final NativeConnection connection;
    final int streamId;

    NativeCallWire(NativeConnection connection, int streamId) {
        this.connection = connection;
        this.streamId = streamId;
    }

    @Override
    public final boolean countsCredits() {
        return true;
    }

    @Override
    public final int window() {
        return connection.settings().streamWindow();
    }

    @Override
    public final int maxMessageSize() {
        return connection.settings().maxMessageSize();
    }

    @Override
    public final ByteBufAllocator alloc() {
        return connection.channel().alloc();
    }

    @Override
    public final boolean isWritable() {
        return connection.channel().isWritable();
    }

    @Override
    public final void sendMessage(ByteBuf payload) {
        connection.write(new SkeinFrame.StreamMessage(streamId, payload));
    }

    @Override
    public void reset(StatusCode code, String reason) {
        connection.write(new SkeinFrame.StreamReset(streamId, code, reason));
    }

    @Override
    public void grant(int messages) {
        connection.write(new SkeinFrame.StreamCredit(streamId, messages));
    }

    @Override
    public final void detach(CallListener listener) {
        connection.unregister(streamId, listener);
    }
}
