package io.skein.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.ScheduledFuture;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.CallContext;
import io.skein.transport.Marshaller;
import io.skein.transport.ServerMethodHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * One unary call on the server: waits for the service's answer, the caller's cancel or the deadline,
 * whichever comes first, and writes exactly one response (none after a cancel).
 */
final class ServerUnaryCall<Resp> implements WireStream {

    private final Connection connection;
    private final int streamId;
    private final String method;
    private final CallContext context;
    private final Marshaller<Resp> responses;
    private final Responder responder;
    private final int maxMessageSize;
    private ScheduledFuture<?> deadlineTimer;

    /** Writes the one answer of a unary call in the connection's protocol. */
    interface Responder {
        /** Writes the answer; takes ownership of {@code payload} (empty unless OK). */
        void respond(Status status, Metadata headers, Metadata trailers, ByteBuf payload);
    }

    /** A unary call on a native connection: the answer is one UnaryResponse frame. */
    ServerUnaryCall(Connection connection, int streamId, String method, CallContext context, Marshaller<Resp> responses) {
        this(connection, streamId, method, context, responses, connection.settings().maxMessageSize(),
                (status, headers, trailers, payload) -> connection.write(new SkeinFrame.UnaryResponse(streamId,
                        method, status, trailers.isEmpty() ? headers : headers.toBuilder().putAll(trailers).build(),
                        payload)));
    }

    ServerUnaryCall(Connection connection, int streamId, String method, CallContext context, Marshaller<Resp> responses,
                    int maxMessageSize, Responder responder) {
        this.connection = connection;
        this.streamId = streamId;
        this.method = method;
        this.context = context;
        this.responses = responses;
        this.maxMessageSize = maxMessageSize;
        this.responder = responder;
    }

    /** Arms the deadline; on the event loop, right after registration. */
    void armDeadline(long timeoutMillis) {
        if (timeoutMillis > 0) {
            deadlineTimer = connection.channel().eventLoop().schedule(this::expire, timeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** The service answered (any thread). */
    void complete(Resp response, Throwable error) {
        Status status;
        ByteBuf payload = Unpooled.EMPTY_BUFFER;
        if (error != null) {
            status = Status.fromThrowable(error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error);
        } else if (response == null) {
            status = Status.of(StatusCode.INTERNAL, "service returned no response for " + method);
        } else {
            try {
                payload = responses.serialize(response, connection.channel().alloc());
                status = Status.OK;
                if (payload.readableBytes() > maxMessageSize) {
                    status = Status.of(StatusCode.RESOURCE_EXHAUSTED, "response of " + payload.readableBytes()
                            + " bytes exceeds the limit of " + maxMessageSize);
                    payload.release();
                    payload = Unpooled.EMPTY_BUFFER;
                }
            } catch (RuntimeException e) {
                status = Status.of(StatusCode.INTERNAL, "cannot serialize response of " + method + ": " + e);
            }
        }
        if (!context.terminate(status)) {
            payload.release(); // cancelled or expired meanwhile: the caller gets nothing more
            return;
        }
        finish(status, payload);
    }

    private void expire() {
        Status expired = Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded on the server");
        if (context.terminate(expired)) {
            finish(expired, Unpooled.EMPTY_BUFFER);
        }
    }

    private void finish(Status status, ByteBuf payload) {
        ScheduledFuture<?> timer = deadlineTimer;
        if (timer != null) {
            timer.cancel(false);
        }
        responder.respond(status, context.responseHeaders(), context.responseTrailers(), payload);
        connection.unregister(streamId, this);
    }

    /** Arms the deadline and hands the request to the service; on the event loop, once registered. */
    <Req> void start(ServerMethodHandler<Req, Resp> handler, Req request, long timeoutMillis) {
        armDeadline(timeoutMillis);
        CompletionStage<Resp> answer;
        try {
            answer = handler.unary(request, context);
        } catch (Throwable t) {
            answer = CompletableFuture.failedFuture(t);
        }
        answer.whenComplete(this::complete);
    }

    @Override
    public void onFrame(SkeinFrame frame) {
        if (frame instanceof SkeinFrame.StreamReset reset) {
            Status status = reset.code() == StatusCode.DEADLINE_EXCEEDED
                    ? Status.of(StatusCode.DEADLINE_EXCEEDED, reset.reason())
                    : Status.of(StatusCode.CANCELLED, reset.reason());
            if (context.terminate(status)) {
                if (deadlineTimer != null) {
                    deadlineTimer.cancel(false);
                }
                connection.unregister(streamId, this);
            }
        }
    }

    @Override
    public void onConnectionClosed(Status status) {
        if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
        }
        context.terminate(status);
    }
}
