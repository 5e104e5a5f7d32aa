package io.skein.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.frame.SkeinFrame;

/** A call on a native-protocol connection: one stream id, Skein stream frames, message credits. */
final class NativeCallWire implements CallWire {

    private final Connection connection;
    private final int streamId;
    private final int initialSendCredits;

    NativeCallWire(Connection connection, int streamId, int initialSendCredits) {
        this.connection = connection;
        this.streamId = streamId;
        this.initialSendCredits = initialSendCredits;
    }

    int streamId() {
        return streamId;
    }

    @Override
    public boolean countsCredits() {
        return true;
    }

    @Override
    public int initialSendCredits() {
        return initialSendCredits;
    }

    @Override
    public int window() {
        return connection.settings().streamWindow();
    }

    @Override
    public int maxMessageSize() {
        return connection.settings().maxMessageSize();
    }

    @Override
    public ByteBufAllocator alloc() {
        return connection.channel().alloc();
    }

    @Override
    public boolean isWritable() {
        return connection.channel().isWritable();
    }

    @Override
    public void attach(WireStream stream) {
        if (connection.channel().eventLoop().inEventLoop()) {
            connection.register(streamId, stream);
        } else {
            connection.channel().eventLoop().execute(() -> connection.register(streamId, stream));
        }
    }

    @Override
    public void sendMessage(ByteBuf payload) {
        connection.write(new SkeinFrame.StreamMessage(streamId, payload));
    }

    @Override
    public void halfClose() {
        connection.write(new SkeinFrame.StreamHalfClose(streamId));
    }

    @Override
    public void sendHeaders(Metadata headers) {
        if (!headers.isEmpty()) {
            connection.write(new SkeinFrame.StreamHeaders(streamId, headers));
        }
    }

    @Override
    public void sendTrailers(Status status, Metadata trailers) {
        connection.write(new SkeinFrame.StreamTrailers(streamId, status, trailers));
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
    public void detach(WireStream stream) {
        connection.unregister(streamId, stream);
    }
}
