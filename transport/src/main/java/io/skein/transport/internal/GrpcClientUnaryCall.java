package io.skein.transport.internal;

import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.ScheduledFuture;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.Marshaller;
import io.skein.transport.ResponseMetadata;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One unary gRPC call on the client: the future the caller holds, completed by the trailers (with the
 * one response message), the deadline, a cancel (RST_STREAM) or the stream's end.
 */
final class GrpcClientUnaryCall<Resp> extends CompletableFuture<Resp> implements WireStream {

    private final String method;
    private final Marshaller<Resp> responses;
    private final ResponseMetadata capture;
    private volatile Http2StreamChannel stream;
    private ScheduledFuture<?> deadlineTimer;
    private Resp response;
    private Status failure;

    GrpcClientUnaryCall(String method, Marshaller<Resp> responses, ResponseMetadata capture) {
        this.method = method;
        this.responses = responses;
        this.capture = capture;
    }

    /** Binds the opened stream and arms the deadline; on its event loop. False when the call already ended. */
    boolean attach(Http2StreamChannel channel, long timeoutMillis, long remainingMillis) {
        stream = channel;
        if (isDone()) {
            channel.close();
            return false;
        }
        if (timeoutMillis > 0) {
            deadlineTimer = channel.eventLoop().schedule(() -> {
                if (fail(Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline of " + timeoutMillis + " ms exceeded"))) {
                    channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
                }
            }, remainingMillis, TimeUnit.MILLISECONDS);
        }
        return true;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = fail(Status.of(StatusCode.CANCELLED, "cancelled by client"));
        Http2StreamChannel s = stream;
        if (cancelled && s != null) {
            s.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
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
        if (frame instanceof SkeinFrame.StreamHeaders headers) {
            if (capture != null) {
                capture.completeHeaders(headers.metadata());
            }
        } else if (frame instanceof SkeinFrame.StreamMessage message) {
            if (response != null || failure != null) {
                failure = Status.of(StatusCode.INTERNAL, "unary call " + method + " got more than one response");
                return;
            }
            try {
                response = responses.parse(message.payload());
            } catch (Exception e) {
                failure = Status.of(StatusCode.INTERNAL, "cannot parse response of " + method + ": " + e);
            }
        } else if (frame instanceof SkeinFrame.StreamTrailers trailers) {
            if (capture != null) {
                capture.completeTrailers(trailers.metadata());
            }
            if (deadlineTimer != null) {
                deadlineTimer.cancel(false);
            }
            if (!trailers.status().isOk()) {
                completeExceptionally(new StatusException(trailers.status()));
            } else if (failure != null) {
                completeExceptionally(new StatusException(failure));
            } else if (response == null) {
                completeExceptionally(new StatusException(StatusCode.INTERNAL, "unary call " + method
                        + " ended OK without a response"));
            } else {
                complete(response);
            }
        } else if (frame instanceof SkeinFrame.StreamReset reset) {
            fail(Status.of(reset.code(), reset.reason()));
        }
    }

    @Override
    public void onConnectionClosed(Status status) {
        fail(status);
    }
}
