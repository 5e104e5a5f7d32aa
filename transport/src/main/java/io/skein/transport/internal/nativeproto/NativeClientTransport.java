package io.skein.transport.internal.nativeproto;

import io.netty.buffer.ByteBuf;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.CallRefusals;
import io.skein.transport.internal.call.CallListener;
import io.skein.transport.internal.call.ClientCallHead;
import io.skein.transport.internal.call.ClientTransport;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.call.StreamEvent;
import java.util.concurrent.RejectedExecutionException;

/**
 * Opens calls on a native connection to a Skein server: a stream id, registered before its first frame
 * (UnaryRequest, or StreamOpen with the response window) is written, so no answer can miss its call.
 */
class NativeClientTransport implements ClientTransport {

    final NativeConnection connection;

    NativeClientTransport(NativeConnection connection) {
        this.connection = connection;
    }

    @Override
    public Connection connection() {
        return connection;
    }

    @Override
    public void open(ClientCallHead head, ByteBuf unaryRequest, CallListener listener) {
        if (connection.channel().eventLoop().inEventLoop()) {
            open0(head, unaryRequest, listener);
            return;
        }
        try {
            connection.channel().eventLoop().execute(() -> open0(head, unaryRequest, listener));
        } catch (RejectedExecutionException e) {
            if (unaryRequest != null) {
                unaryRequest.release();
            }
            listener.onEvent(new StreamEvent.Closed(CallRefusals.connectionClosing(connection.channel().remoteAddress())));
        }
    }

    /** On the event loop. */
    private void open0(ClientCallHead head, ByteBuf unaryRequest, CallListener listener) {
        if (!connection.isUsable()) {
            if (unaryRequest != null) {
                unaryRequest.release();
            }
            listener.onEvent(new StreamEvent.Closed(CallRefusals.connectionClosing(connection.channel().remoteAddress())));
            return;
        }
        int id = connection.allocateStreamId();
        if (!connection.register(id, listener)) {
            if (unaryRequest != null) {
                unaryRequest.release();
            }
            listener.onEvent(new StreamEvent.Closed(CallRefusals.connectionClosed()));
            return;
        }
        // Queued first, so nothing the call writes once it knows its stream can overtake it; written by a
        // later event-loop task, so no answer can arrive before onOpened below.
        if (unaryRequest != null) {
            connection.write(new SkeinFrame.UnaryRequest(id, head.method(), head.metadata(), head.remainingMillis(),
                    unaryRequest));
        } else {
            connection.write(new SkeinFrame.StreamOpen(id, head.method(), head.kind(), head.metadata(),
                    head.remainingMillis(), head.window() > 0 ? head.window() : connection.settings().streamWindow()));
        }
        listener.onOpened(newStream(id));
    }

    /** The stream of a call opened under {@code id}. */
    NativeClientStream newStream(int id) {
        return new NativeClientStream(connection, id);
    }
}
