package io.skein.transport.internal.grpc;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.protocols.grpc.GrpcCompression;
import io.skein.protocols.grpc.GrpcHeaders;
import io.skein.protocols.grpc.GrpcMessageDeframer;
import io.skein.protocols.grpc.GrpcMetadata;
import io.skein.protocols.grpc.GrpcStatusCodec;
import io.skein.transport.CallRefusals;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.CallListener;
import io.skein.transport.internal.call.StreamEvent;

/**
 * The client side of one gRPC call's HTTP/2 stream (a child channel): turns response headers, DATA,
 * trailers and RST_STREAM into the call's {@link StreamEvent}s, whichever kind of call it is. With
 * auto-read off it reads only while the call wants messages, so the server's HTTP/2 window opens with
 * demand. Runs on the stream's event loop; {@link #demand} hops there.
 */
final class GrpcClientStreamHandler extends ChannelInboundHandlerAdapter {

    private final CallListener target;
    private final int maxMessageSize;
    private final long deadlineNanos;
    // How close to the deadline a server's RST_STREAM(CANCEL) counts as the deadline (skein.grpc.deadline-reset-slack).
    private final long deadlineSlackNanos;
    private GrpcMessageDeframer deframer;
    private boolean headersSeen;
    private boolean ended;
    private int requested;
    private ChannelHandlerContext ctx;

    /**
     * @param target      where the call's frames go
     * @param initialDemand messages wanted before any grant (Integer.MAX_VALUE: read freely)
     * @param deadlineNanos the call's deadline as a {@link System#nanoTime()} value, 0 for none
     */
    GrpcClientStreamHandler(CallListener target, TransportSettings.Grpc grpc, int initialDemand, long deadlineNanos) {
        this.target = target;
        this.maxMessageSize = grpc.maxMessageSize();
        this.requested = initialDemand;
        this.deadlineNanos = deadlineNanos;
        this.deadlineSlackNanos = grpc.deadlineResetSlack().toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    /** The call wants {@code messages} more; any thread. */
    void demand(int messages) {
        if (ctx.executor().inEventLoop()) {
            requested = requested > Integer.MAX_VALUE - messages ? Integer.MAX_VALUE : requested + messages;
            ctx.read();
        } else {
            ctx.executor().execute(() -> demand(messages));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (ended) {
                return;
            }
            if (msg instanceof Http2HeadersFrame headers) {
                onHeaders(headers);
            } else if (msg instanceof Http2DataFrame data) {
                onData(data);
            } else if (msg instanceof Http2ResetFrame reset) {
                ended = true;
                target.onEvent(resetEvent(reset.errorCode()));
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // Netty delivers RST_STREAM as an event, not a read: it is not flow controlled.
        if (evt instanceof Http2ResetFrame reset && !ended) {
            ended = true;
            target.onEvent(resetEvent(reset.errorCode()));
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * What a server's RST_STREAM means to the call. Fix (found by GrpcJavaInteropTest,
     * timeout_on_sleeping_server against a grpc-java server): a server whose grpc-timeout expires resets
     * the stream with CANCEL, which can arrive before the client's own deadline timer fires; like
     * grpc-java's client, a CANCEL at (or within timer skew of) the call's deadline is
     * DEADLINE_EXCEEDED, not CANCELLED.
     */
    private StreamEvent.Reset resetEvent(long errorCode) {
        String reason = "stream reset by server (" + Http2Error.valueOf(errorCode) + ")";
        if (errorCode == Http2Error.CANCEL.code() && deadlineNanos != 0
                && System.nanoTime() - deadlineNanos >= -deadlineSlackNanos) {
            return new StreamEvent.Reset(Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded; " + reason));
        }
        if (errorCode == Http2Error.REFUSED_STREAM.code()) {
            return new StreamEvent.Reset(CallRefusals.streamRefused());
        }
        return new StreamEvent.Reset(Status.of(statusOfReset(errorCode), reason));
    }

    private static StatusCode statusOfReset(long errorCode) {
        if (errorCode == Http2Error.CANCEL.code()) {
            return StatusCode.CANCELLED;
        }
        if (errorCode == Http2Error.ENHANCE_YOUR_CALM.code()) {
            return StatusCode.RESOURCE_EXHAUSTED;
        }
        return StatusCode.INTERNAL;
    }

    private void onHeaders(Http2HeadersFrame frame) {
        Http2Headers headers = frame.headers();
        if (!headersSeen) {
            headersSeen = true;
            Status check = GrpcHeaders.checkResponseHeaders(headers);
            if (!check.isOk()) {
                finish(check, Metadata.EMPTY);
                return;
            }
            if (frame.isEndStream()) { // trailers only
                finish(GrpcStatusCodec.fromTrailers(headers), GrpcMetadata.fromHeaders(headers));
                return;
            }
            CharSequence encodingName = headers.get("grpc-encoding");
            GrpcCompression encoding = GrpcCompression.forName(encodingName);
            if (encoding == null) {
                finish(Status.of(StatusCode.INTERNAL, "server used unsupported grpc-encoding " + encodingName),
                        Metadata.EMPTY);
                return;
            }
            deframer = new GrpcMessageDeframer(ctx.alloc(), encoding, maxMessageSize);
            target.onEvent(new StreamEvent.Headers(GrpcMetadata.fromHeaders(headers)));
            return;
        }
        // Trailers.
        if (deframer != null) {
            try {
                deframer.endOfStream();
            } catch (StatusException e) {
                finish(e.status(), Metadata.EMPTY);
                return;
            }
        }
        finish(GrpcStatusCodec.fromTrailers(headers), GrpcMetadata.fromHeaders(headers));
    }

    private void onData(Http2DataFrame data) {
        if (deframer == null) {
            finish(Status.of(StatusCode.INTERNAL, "DATA before response headers"), Metadata.EMPTY);
            return;
        }
        try {
            deframer.feed(data.content().retain());
            for (ByteBuf message; (message = deframer.poll()) != null; ) {
                try {
                    if (requested != Integer.MAX_VALUE) {
                        requested--;
                    }
                    target.onEvent(new StreamEvent.Message(message, deframer.wasCompressed()));
                } finally {
                    message.release();
                }
            }
        } catch (StatusException e) {
            // The call resets the stream (CANCEL) and fails with the deframer's status.
            ended = true;
            target.onEvent(new StreamEvent.Failed(e.status()));
        }
    }

    private void finish(Status status, Metadata trailers) {
        if (ended) {
            return;
        }
        ended = true;
        target.onEvent(new StreamEvent.Trailers(status, trailers));
        // The call is over. If this side has not ended its half (a server that answered early), close
        // the stream (RST_STREAM) rather than leave it half-open with buffers held until the connection goes.
        if (deframer != null) {
            deframer.close();
        }
        if (ctx.channel().isActive()) {
            ctx.channel().close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!ended && (requested > 0 || !headersSeen)) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            target.onEvent(StreamEvent.WRITABLE);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!ended) {
            ended = true;
            // A stream that never left IDLE never reached the server: a refusal a balancer may resend.
            boolean neverOpened = ctx.channel() instanceof Http2StreamChannel stream
                    && stream.stream().state() == Http2Stream.State.IDLE;
            target.onEvent(new StreamEvent.Closed(neverOpened ? CallRefusals.streamNeverOpened()
                    : Status.of(StatusCode.UNAVAILABLE, "HTTP/2 stream closed before the call ended")));
        }
        if (deframer != null) {
            deframer.close();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        finish(Status.of(StatusCode.INTERNAL, cause.toString()), Metadata.EMPTY);
        ctx.close();
    }
}
