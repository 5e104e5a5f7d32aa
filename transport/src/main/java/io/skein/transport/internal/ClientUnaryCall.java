package io.skein.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.ScheduledFuture;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.CallRefusals;
import io.skein.transport.Marshaller;
import io.skein.transport.ResponseMetadata;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One unary call on the client: the future the caller holds, completed by the response, the
 * deadline, a cancel or the connection's end, whichever comes first.
 */
final class ClientUnaryCall<Resp> extends CompletableFuture<Resp> implements WireStream {

    private final String method;
    private final Marshaller<Resp> responses;
    private final ResponseMetadata capture;
    private volatile Connection connection;
    private volatile int streamId;
    private ScheduledFuture<?> deadlineTimer;

    ClientUnaryCall(String method, Marshaller<Resp> responses, ResponseMetadata capture) {
        this.method = method;
        this.responses = responses;
        this.capture = capture;
    }

    /** Registers and sends the call; on the connection's event loop. Takes ownership of {@code payload}. */
    void start(Connection c, ByteBuf payload, Metadata metadata, long timeoutMillis, long startNanos) {
        if (isDone()) {
            payload.release();
            return;
        }
        if (!c.isUsable()) {
            payload.release();
            fail(CallRefusals.connectionClosing(c.channel().remoteAddress()));
            return;
        }
        long remaining = timeoutMillis;
        if (timeoutMillis > 0) {
            remaining = timeoutMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            if (remaining <= 0) {
                payload.release();
                fail(Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline of " + timeoutMillis + " ms exceeded before sending"));
                return;
            }
            deadlineTimer = c.channel().eventLoop().schedule(() -> expire(timeoutMillis), remaining, TimeUnit.MILLISECONDS);
        }
        int id = c.allocateStreamId();
        connection = c;
        streamId = id;
        c.register(id, this);
        c.write(new SkeinFrame.UnaryRequest(id, method, metadata, remaining, payload));
    }

    private void expire(long timeoutMillis) {
        if (fail(Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline of " + timeoutMillis + " ms exceeded"))) {
            Connection c = connection;
            if (c.isSkeinPeer()) {
                c.write(new SkeinFrame.StreamReset(streamId, StatusCode.DEADLINE_EXCEEDED, "client deadline exceeded"));
            }
            c.unregister(streamId, this);
        }
    }

    /** The caller cancelled: tell the server, which stops work on it. */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = fail(Status.of(StatusCode.CANCELLED, "cancelled by client"));
        Connection c = connection;
        if (cancelled && c != null) {
            int id = streamId;
            c.channel().eventLoop().execute(() -> {
                // Kitex has no cancel, and would drop the connection on this frame.
                if (c.isSkeinPeer()) {
                    c.write(new SkeinFrame.StreamReset(id, StatusCode.CANCELLED, "cancelled by client"));
                }
                c.unregister(id, this);
            });
        }
        return cancelled;
    }

    boolean fail(Status status) {
        if (capture != null) {
            capture.completeTrailers(Metadata.EMPTY);
        }
        ScheduledFuture<?> timer = deadlineTimer;
        if (timer != null) {
            timer.cancel(false);
        }
        return completeExceptionally(new StatusException(status));
    }

    @Override
    public void onFrame(SkeinFrame frame) {
        if (!(frame instanceof SkeinFrame.UnaryResponse response)) {
            return;
        }
        connection.unregister(streamId, this);
        if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
        }
        if (capture != null) {
            Metadata md = response.metadata();
            capture.completeHeaders(md);
            capture.completeTrailers(md);
        }
        if (!response.status().isOk()) {
            completeExceptionally(new StatusException(response.status()));
            return;
        }
        Resp value;
        try {
            value = responses.parse(response.payload());
        } catch (Exception e) {
            completeExceptionally(new StatusException(StatusCode.INTERNAL, "cannot parse response of " + method + ": " + e));
            return;
        }
        complete(value);
    }

    @Override
    public void onConnectionClosed(Status status) {
        fail(status);
    }
}
