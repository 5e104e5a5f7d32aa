package io.skein.transport.internal.grpc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.protocols.grpc.GrpcMessageDeframer;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.CallListener;
import io.skein.transport.internal.call.ServerCallHead;
import io.skein.transport.internal.call.ServerDispatcher;
import io.skein.transport.internal.call.StreamEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one gRPC call's HTTP/2 stream (a child channel with auto-read off): framing only.
 * The request HEADERS are the call's head, handed to the {@link ServerDispatcher} with a
 * {@link GrpcServerStream}; DATA is deframed into messages, END_STREAM is the half-close and RST_STREAM
 * the client's cancel, all delivered to the call as {@link StreamEvent}s. The channel is read only as
 * the call grants more messages, so the stream's HTTP/2 window opens with demand.
 *
 * <p>Runs on the stream's event loop; {@link #demand} and {@link #responseEnded} may be called from any
 * thread and hop there.
 */
final class GrpcServerStreamHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(GrpcServerStreamHandler.class);

    private final GrpcConnection connection;
    private final ServerDispatcher dispatcher;
    private final TransportSettings settings;
    private Http2StreamChannel channel;
    private int streamId;
    private GrpcMessageDeframer deframer;
    private CallListener call;
    private boolean headersRead;
    // The client ended its request (END_STREAM or RST_STREAM): no reset is needed after the answer.
    private boolean inputEnded;
    // The request was bad (an undecodable or oversized message): the call was told and gets no more input,
    // but the client has not ended its side, so the stream is still reset once the answer is written.
    private boolean inputFailed;
    // Messages the call still wants.
    private int requested;
    // Bytes of a refused request still to read and discard before the stream is reset; -1 when not draining.
    private long drainBudget = -1;
    // The call's deadline (from grpc-timeout) as a System.nanoTime() value, 0 for none.
    private long deadlineNanos;

    GrpcServerStreamHandler(GrpcConnection connection, ServerDispatcher dispatcher, TransportSettings settings) {
        this.connection = connection;
        this.dispatcher = dispatcher;
        this.settings = settings;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = (Http2StreamChannel) ctx.channel();
        streamId = channel.stream().id();
        ctx.read(); // the request headers
        connection.streamOpened(this);
        ctx.fireChannelActive();
    }

    /**
     * The connection is closing: nobody will take this stream's input any more. It is read to its end
     * and discarded, since Netty closes a stream channel only once its queued frames are read.
     */
    void connectionClosed() {
        inputEnded = true;
        drainBudget = -1;
        requestRead();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2HeadersFrame headers) {
                if (!headersRead) {
                    headersRead = true;
                    onRequestHeaders(headers);
                } else if (headers.isEndStream()) {
                    onTrailers(headers); // request trailers
                }
            } else if (msg instanceof Http2DataFrame data) {
                onData(data);
            } else if (msg instanceof Http2ResetFrame reset) {
                onReset(reset);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequestHeaders(Http2HeadersFrame frame) {
        String malformed = MalformedRequests.request(frame.headers());
        if (malformed != null) {
            resetMalformed("request", malformed);
            return;
        }
        GrpcServerRequest request;
        try {
            request = GrpcServerRequest.parse(frame.headers());
        } catch (GrpcServerRequest.Rejected rejected) {
            inputEnded = frame.isEndStream();
            responseEnded(answer(rejected));
            return;
        }
        inputEnded = frame.isEndStream(); // a refusal needs to know; the call sees it as HalfClose below
        if (request.timeoutMillis() > 0) {
            deadlineNanos = System.nanoTime() + request.timeoutMillis() * 1_000_000L;
        }
        GrpcServerStream stream = new GrpcServerStream(channel, connection, settings, request, this);
        dispatcher.dispatch(connection, new ServerCallHead(request.method(), null, request.metadata(),
                request.timeoutMillis(), connection.channel().remoteAddress()), stream);
        if (call == null) {
            return; // refused: answered and draining
        }
        deframer = new GrpcMessageDeframer(channel.alloc(), request.encoding(), settings.grpc().maxMessageSize());
        if (inputEnded) {
            inputEnded = false;
            onInputEnd();
        } else {
            requestRead();
        }
    }

    /** Writes the response to a rejected request; the returned future completes when its end is written. */
    private ChannelFuture answer(GrpcServerRequest.Rejected rejected) {
        if (rejected.body() == null) {
            return channel.writeAndFlush(new DefaultHttp2HeadersFrame(rejected.headers(), true));
        }
        channel.write(new DefaultHttp2HeadersFrame(rejected.headers(), false));
        return channel.writeAndFlush(new DefaultHttp2DataFrame(
                ByteBufUtil.writeUtf8(channel.alloc(), rejected.body()), true));
    }

    /**
     * A malformed request (RFC 9113 section 8.1.1): RST_STREAM(PROTOCOL_ERROR), no answer. The service
     * never saw it, or sees it end as cancelled.
     */
    private void resetMalformed(String what, String reason) {
        log.debug("gRPC stream {} from {}: malformed {} ({}), reset PROTOCOL_ERROR", streamId,
                connection.channel().remoteAddress(), what, reason);
        inputEnded = true;
        drainBudget = -1;
        if (call != null) {
            call.onEvent(new StreamEvent.Reset(Status.of(StatusCode.CANCELLED, "malformed " + what + ": " + reason)));
        }
        channel.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR));
    }

    private void onTrailers(Http2HeadersFrame trailers) {
        String malformed = MalformedRequests.trailers(trailers.headers());
        if (malformed != null) {
            resetMalformed("trailers", malformed);
            return;
        }
        onInputEnd();
    }

    /** The dispatcher started the call (on this event loop, during {@link #onRequestHeaders}). */
    void attach(CallListener listener) {
        call = listener;
    }

    /**
     * The dispatcher refused the call: answer trailers only and let the client finish its request,
     * reading and discarding it, instead of resetting the stream at once. Refusals under load are
     * frequent, and Skein's own gRPC client sometimes lost the trailers when RST_STREAM(NO_ERROR)
     * followed them immediately (it saw the stream close first and reported UNAVAILABLE); a client that
     * keeps sending past one maximum message is reset after all.
     */
    void refuse(Status status) {
        ChannelFuture answered = channel.writeAndFlush(GrpcServerStream.trailersOnly(status, Metadata.EMPTY));
        if (inputEnded) {
            responseEnded(answered);
            return;
        }
        drainBudget = settings.grpc().maxMessageSize() + 5L;
        channel.read();
    }

    /** Discards {@code bytes} of a refused request; at its end the stream is over on both sides. */
    private void drain(int bytes, boolean endOfRequest) {
        drainBudget -= bytes;
        if (endOfRequest) {
            drainBudget = -1;
            inputEnded = true;
            if (channel.isActive()) {
                channel.read(); // the stream closes on both sides now; let the channel see it
            }
        } else if (drainBudget < 0) {
            drainBudget = -1;
            responseEnded(channel.newSucceededFuture()); // too much: reset the stream (NO_ERROR) and close it
        }
    }

    private void onData(Http2DataFrame data) {
        if (drainBudget >= 0) {
            drain(data.content().readableBytes(), data.isEndStream());
            return;
        }
        if (call == null || inputEnded || inputFailed) {
            return;
        }
        try {
            deframer.feed(data.content().retain());
            for (ByteBuf message; (message = deframer.poll()) != null; ) {
                try {
                    requested--;
                    call.onEvent(new StreamEvent.Message(message, deframer.wasCompressed()));
                } finally {
                    message.release();
                }
            }
        } catch (StatusException e) {
            // Fix (found by GrpcServerFlowControlTest): this set inputEnded, which also means "the client
            // ended its request", so resetIfRequestOpen skipped the RST_STREAM(NO_ERROR) after the answer and
            // the stream stayed half-open with the client's later DATA unread.
            inputFailed = true;
            call.onEvent(new StreamEvent.Failed(e.status()));
            return;
        }
        if (data.isEndStream()) {
            onInputEnd();
        }
    }

    private void onInputEnd() {
        if (drainBudget >= 0) {
            drain(0, true);
            return;
        }
        if (inputEnded || call == null) {
            return;
        }
        inputEnded = true;
        if (inputFailed) {
            return; // the call already ended on its bad input
        }
        try {
            deframer.endOfStream();
        } catch (StatusException e) {
            call.onEvent(new StreamEvent.Failed(e.status()));
            return;
        }
        call.onEvent(StreamEvent.HALF_CLOSE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // Netty delivers RST_STREAM as an event, not a read: it is not flow controlled.
        if (evt instanceof Http2ResetFrame reset) {
            onReset(reset);
            requestRead(); // frames still queued must be read for the stream channel to close
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * RST_STREAM carries no reason. A client resets when it cancels, and also when its deadline passes;
     * the deadline travelled in grpc-timeout, so a reset at (or within skein.grpc.deadline-reset-slack of)
     * that deadline is the deadline, anything earlier a cancel.
     */
    private void onReset(Http2ResetFrame reset) {
        inputEnded = true;
        if (call == null) {
            return;
        }
        CallListener c = call;
        Status status = atDeadline()
                ? Status.of(StatusCode.DEADLINE_EXCEEDED, "client deadline exceeded")
                : Status.of(StatusCode.CANCELLED, "cancelled by client (RST_STREAM " + reset.errorCode() + ")");
        c.onEvent(new StreamEvent.Reset(status));
    }

    private boolean atDeadline() {
        return deadlineNanos != 0
                && System.nanoTime() - deadlineNanos >= -settings.grpc().deadlineResetSlack().toNanos();
    }

    /** The call took {@code messages} more; read on (from any thread). */
    void demand(int messages) {
        if (channel.eventLoop().inEventLoop()) {
            requested = requested > Integer.MAX_VALUE - messages ? Integer.MAX_VALUE : requested + messages;
            requestRead();
        } else {
            channel.eventLoop().execute(() -> demand(messages));
        }
    }

    private void requestRead() {
        if (drainBudget >= 0) {
            channel.read();
        } else if (inputEnded) {
            if (channel.isActive()) {
                channel.read(); // only a reset can come now; it must not wait unread
            }
        } else if (requested > 0) {
            channel.read();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // A DATA frame may hold part of a message only: keep reading while messages are wanted.
        if (headersRead) {
            requestRead();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && call != null) {
            call.onEvent(StreamEvent.WRITABLE);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // The stream is gone (reset, or the connection closed); a call still running ends UNAVAILABLE.
        if (call != null) {
            call.onEvent(new StreamEvent.Closed(Status.of(StatusCode.UNAVAILABLE, "HTTP/2 stream closed")));
        }
        connection.streamClosed(this);
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        if (deframer != null) {
            deframer.close();
        }
    }

    /**
     * A stream error found by Netty's codec (a frame this stream's state does not allow, a malformed
     * header block, a content-length mismatch, ...): the multiplexer resets the stream with the error's
     * code (RST_STREAM) right after this returns, so the call only learns that it is over. Anything else
     * is a failure of this stream's own handling: the call fails INTERNAL.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Http2Exception http2 = Http2CodecUtil.getEmbeddedHttp2Exception(cause);
        if (http2 != null) {
            log.debug("gRPC stream {} from {}: HTTP/2 stream error {} ({})", streamId,
                    connection.channel().remoteAddress(), http2.error(), http2.getMessage());
            inputEnded = true;
            drainBudget = -1;
            if (call != null) {
                call.onEvent(new StreamEvent.Reset(Status.of(StatusCode.CANCELLED,
                        "HTTP/2 stream error " + http2.error() + ": " + http2.getMessage())));
            }
            return;
        }
        log.warn("gRPC stream {} from {} failed: {}", streamId, connection.channel().remoteAddress(), cause.toString());
        if (call != null) {
            call.onEvent(new StreamEvent.Failed(Status.of(StatusCode.INTERNAL, cause.toString())));
        }
    }

    /**
     * The response is complete (END_STREAM written). When the request is not (the client has not ended
     * its side), ask the client to stop sending, with RST_STREAM(NO_ERROR) as RFC 9113 section 8.1
     * allows and grpc-go does, and close the stream channel.
     *
     * <p>Fix (found by Http2BadInputTest and PARANOID leak detection with grpc-java): the stream channel
     * is read only on demand, so after an early answer (a rejected request, an oversized message, a
     * service that finished before the client did) nothing read it any more: DATA frames the client
     * still sent sat unreleased in the channel's inbound queue, and the stream stayed half-open, until
     * the connection closed. Closing the channel releases the queue.
     *
     * <p>Fix (found by GrpcEarlyAnswerTest, seen as a flaky interop server_streaming case): the reset
     * waits until {@code answered} (the write of the trailers) completes. Netty drops the
     * flow-controlled DATA and trailers still queued on a stream that is reset, so a reset written right
     * behind an answer bigger than the HTTP/2 window cut the answer short.
     */
    void responseEnded(ChannelFuture answered) {
        answered.addListener(written -> resetIfRequestOpen());
    }

    private void resetIfRequestOpen() {
        Http2StreamChannel ch = channel;
        if (!ch.eventLoop().inEventLoop()) {
            ch.eventLoop().execute(this::resetIfRequestOpen);
            return;
        }
        if (inputEnded || !ch.isActive()) {
            return;
        }
        ch.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
        ch.close();
    }
}
