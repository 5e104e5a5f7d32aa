package io.skein.transport.internal.nativeproto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.internal.call.CallListener;
import io.skein.transport.internal.call.ServerStream;

/**
 * A call on the server end of a native connection. A unary call (a Kitex-style PingPong request) is
 * answered by one UnaryResponse frame and never sees a stream frame (Kitex clients know none); a
 * streaming call answers with headers, messages and trailers, spending the client's credits.
 */
final class NativeServerStream extends NativeCallWire implements ServerStream {

    private final String method;
    private final boolean unary;
    private final int initialSendCredits;
    private CallListener listener;

    private NativeServerStream(NativeConnection connection, int streamId, String method, boolean unary,
                               int initialSendCredits) {
        super(connection, streamId);
        this.method = method;
        this.unary = unary;
        this.initialSendCredits = initialSendCredits;
    }

    /** A unary call, answered with a UnaryResponse naming {@code method} as the request did. */
    static NativeServerStream unary(NativeConnection connection, int streamId, String method) {
        return new NativeServerStream(connection, streamId, method, true, 0);
    }

    /** A streaming call whose client granted {@code initialCredits} responses. */
    static NativeServerStream streaming(NativeConnection connection, int streamId, int initialCredits) {
        return new NativeServerStream(connection, streamId, null, false, initialCredits);
    }

    /** The listener the dispatcher attached, or {@code null} when the call was refused. */
    CallListener listener() {
        return listener;
    }

    @Override
    public int initialSendCredits() {
        return initialSendCredits;
    }

    @Override
    public void attach(CallListener call) {
        listener = call;
        if (connection.channel().eventLoop().inEventLoop()) {
            connection.register(streamId, call);
        } else {
            connection.channel().eventLoop().execute(() -> connection.register(streamId, call));
        }
    }

    @Override
    public void refuse(Status status) {
        if (unary) {
            connection.write(new SkeinFrame.UnaryResponse(streamId, method, status, Metadata.EMPTY, Unpooled.EMPTY_BUFFER));
        } else {
            connection.write(new SkeinFrame.StreamTrailers(streamId, status, Metadata.EMPTY));
        }
    }

    @Override
    public void grant(int messages) {
        if (!unary) { // a unary request is one frame: nothing to grant, and Kitex clients know no credit frame
            super.grant(messages);
        }
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
    public void respondUnary(Status status, Metadata headers, Metadata trailers, ByteBuf payload) {
        connection.write(new SkeinFrame.UnaryResponse(streamId, method, status,
                trailers.isEmpty() ? headers : headers.toBuilder().putAll(trailers).build(), payload));
    }
}
