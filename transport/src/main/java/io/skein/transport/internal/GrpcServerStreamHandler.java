package io.skein.transport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.protocols.grpc.GrpcCompression;
import io.skein.protocols.grpc.GrpcMessageDeframer;
import io.skein.transport.CallAdmission;
import io.skein.transport.CallContext;
import io.skein.transport.CallRefusals;
import io.skein.transport.MethodRegistry;
import io.skein.transport.ServerMethod;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one gRPC call: one HTTP/2 stream (a child channel with auto-read off). Unary
 * calls take a fast path straight to the method handler; streaming calls run a {@link CallStreamStage}
 * whose demand opens the stream's HTTP/2 window (the channel is read only as messages are wanted).
 */
final class GrpcServerStreamHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(GrpcServerStreamHandler.class);

    private final Connection connection;
    private final MethodRegistry registry;
    private final NettyResources resources;
    private final CallAdmission admission;
    private Http2StreamChannel channel;
    private int streamId;
    private GrpcMessageDeframer deframer;
    private GrpcServerCallWire wire;
    private CallKind kind;
    private boolean inputEnded;
    private boolean done;
    // Bytes of a refused request still to read and discard before the stream is reset; -1 when not draining.
    private long drainBudget = -1;
    // Unary
    private ServerMethod<?, ?> unaryMethod;
    private ByteBuf unaryRequest;
    private ServerUnaryCall<?> unaryCall;
    private CallContext context;
    private long timeoutMillis;
    // Streaming: the stage, and how many more messages it wants
    private WireStream target;
    private int requested;

    GrpcServerStreamHandler(Connection connection, MethodRegistry registry, NettyResources resources,
                            CallAdmission admission) {
        this.connection = connection;
        this.registry = registry;
        this.resources = resources;
        this.admission = admission;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = (Http2StreamChannel) ctx.channel();
        streamId = channel.stream().id();
        ctx.read(); // the request headers
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2HeadersFrame headers) {
                if (kind == null && !done) {
                    onRequestHeaders(headers);
                } else if (headers.isEndStream() && drainBudget >= 0) {
                    drain(0, true);
                } else if (headers.isEndStream()) {
                    onInputEnd(); // request trailers
                }
            } else if (msg instanceof Http2DataFrame data) {
                if (drainBudget >= 0) {
                    drain(data.content().readableBytes(), data.isEndStream());
                    return;
                }
                onData(data);
            } else if (msg instanceof Http2ResetFrame reset) {
                onReset(reset);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequestHeaders(Http2HeadersFrame frame) {
        Http2Headers headers = frame.headers();
        GrpcServerRequest request;
        try {
            request = GrpcServerRequest.parse(headers);
        } catch (GrpcServerRequest.Rejected rejected) {
            done = true;
            writeAndClose(rejected.response());
            return;
        }
        ServerMethod<?, ?> method = registry.lookup(request.method());
        Status refusal = null;
        if (method == null) {
            refusal = Status.of(StatusCode.UNIMPLEMENTED, "unknown method " + request.method());
        } else if (connection.isDraining() || connection.isClosed()) {
            refusal = CallRefusals.shuttingDown();
        }
        CallAdmission.Decision admitted = null;
        if (refusal == null) {
            // Admission on the request headers: a refused call's messages are never decoded.
            admitted = Admissions.admit(admission, method.descriptor().fullName(), connection.channel().remoteAddress());
            if (!admitted.isAdmitted()) {
                refuseAndDrain(admitted.refusal(), frame.isEndStream());
                return;
            }
        }
        if (refusal != null) {
            // Answered and drained like an admission refusal, not reset at once: a reset racing the
            // trailers-only answer can reach a client first and hide the status behind RST_STREAM.
            refuseAndDrain(refusal, frame.isEndStream());
            return;
        }
        kind = method.descriptor().kind();
        timeoutMillis = request.timeoutMillis();
        context = new CallContext(method.descriptor().fullName(), request.metadata(), timeoutMillis,
                connection.channel().remoteAddress());
        Admissions.releaseOnEnd(admitted, context);
        deframer = new GrpcMessageDeframer(channel.alloc(), request.encoding(), resources.settings().grpc().maxMessageSize());
        GrpcCompression responseEncoding = request.responseEncoding();
        wire = new GrpcServerCallWire(channel, connection, streamId, resources.settings(), responseEncoding, this::demand);
        if (kind == CallKind.UNARY) {
            unaryMethod = method;
        } else {
            startStream(method);
        }
        if (frame.isEndStream()) {
            onInputEnd();
        } else {
            requestRead();
        }
    }

    /**
     * Answers a refused call (over a server limit) with trailers only and lets the client finish its
     * request, reading and discarding it, instead of resetting the stream at once. Refusals under load
     * are frequent, and Skein's own gRPC client sometimes lost the trailers when RST_STREAM(NO_ERROR)
     * followed them immediately (it saw the stream close first and reported UNAVAILABLE); a client
     * that keeps sending past one maximum message is reset after all.
     */
    private void refuseAndDrain(Status refusal, boolean requestEnded) {
        done = true;
        if (requestEnded) {
            inputEnded = true;
            writeAndClose(GrpcServerCallWire.trailersOnly(refusal, Metadata.EMPTY));
            return;
        }
        drainBudget = resources.settings().grpc().maxMessageSize() + 5L;
        channel.writeAndFlush(GrpcServerCallWire.trailersOnly(refusal, Metadata.EMPTY));
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

    private <Req, Resp> void startStream(ServerMethod<Req, Resp> method) {
        Flow<Req, Resp, NotUsed> service = Flow.<Req>create().prefixAndTail(0).flatMapConcat(pair -> {
            Source<Resp, ?> responses;
            try {
                responses = method.handler().streaming(pair.second(), context);
            } catch (Throwable t) {
                responses = Source.failed(t);
            }
            return ServerConnectionHandler.erase(responses == null
                    ? Source.<Resp>failed(new NullPointerException("service returned no stream")) : responses);
        });
        CallStreamStage<Resp, Req> stage = CallStreamStage.server(wire, method.descriptor().fullName(), kind,
                timeoutMillis, method.descriptor().requests(), method.descriptor().responses(), context);
        Flow.fromGraph(stage).join(service).run(resources.materializer());
    }

    /** The stage attached itself (during materialization, on this event loop). */
    void attach(WireStream stream) {
        target = stream;
    }

    private void onData(Http2DataFrame data) {
        if (done || deframer == null) {
            return;
        }
        try {
            deframer.feed(data.content().retain());
            for (ByteBuf message; (message = deframer.poll()) != null; ) {
                onMessage(message);
                if (done) {
                    return;
                }
            }
        } catch (StatusException e) {
            fail(e.status());
            return;
        }
        if (data.isEndStream()) {
            onInputEnd();
        }
    }

    private void onMessage(ByteBuf message) {
        if (kind == CallKind.UNARY) {
            if (unaryRequest != null) {
                message.release();
                fail(Status.of(StatusCode.INTERNAL, "unary call with more than one request message"));
                return;
            }
            unaryRequest = message;
            return;
        }
        try {
            requested--;
            target.onFrame(new SkeinFrame.StreamMessage(streamId, message));
        } finally {
            message.release();
        }
    }

    private void onInputEnd() {
        if (inputEnded || done) {
            return;
        }
        inputEnded = true;
        try {
            deframer.endOfStream();
        } catch (StatusException e) {
            fail(e.status());
            return;
        }
        if (kind == CallKind.UNARY) {
            startUnary();
        } else if (target != null) {
            target.onFrame(new SkeinFrame.StreamHalfClose(streamId));
        }
    }

    private <Req, Resp> void startUnary() {
        @SuppressWarnings("unchecked")
        ServerMethod<Req, Resp> method = (ServerMethod<Req, Resp>) unaryMethod;
        ByteBuf bytes = unaryRequest;
        unaryRequest = null;
        if (bytes == null) {
            fail(Status.of(StatusCode.INTERNAL, "unary call without a request message"));
            return;
        }
        Req request;
        try {
            request = method.descriptor().requests().parse(bytes);
        } catch (Exception e) {
            fail(Status.of(StatusCode.INVALID_ARGUMENT, "cannot parse request of " + method.descriptor().fullName()
                    + ": " + e));
            return;
        } finally {
            bytes.release();
        }
        ServerUnaryCall<Resp> call = new ServerUnaryCall<>(connection, streamId, method.descriptor().fullName(), context,
                method.descriptor().responses(), resources.settings().grpc().maxMessageSize(), wire::respondUnary);
        unaryCall = call;
        connection.register(streamId, call);
        done = true;
        call.start(method.handler(), request, timeoutMillis);
    }

    /** Ends the call from the transport side with {@code status} (bad input). */
    private void fail(Status status) {
        if (target != null) {
            // The stage sends the trailers and stops the service.
            target.onFrame(new SkeinFrame.StreamTrailers(streamId, status, Metadata.EMPTY));
            return;
        }
        if (done) {
            return;
        }
        done = true;
        writeAndClose(GrpcServerCallWire.trailersOnly(status, Metadata.EMPTY));
        if (context != null) {
            context.terminate(status);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // Netty delivers RST_STREAM as an event, not a read: it is not flow controlled.
        if (evt instanceof Http2ResetFrame reset) {
            onReset(reset);
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void onReset(Http2ResetFrame reset) {
        if (done && unaryCall == null && target == null) {
            return;
        }
        // RST_STREAM carries no reason. A client resets when it cancels, and also when its deadline
        // passes; the deadline travelled in grpc-timeout, so a reset at (or within
        // skein.grpc.deadline-reset-slack of) that deadline is the deadline, anything earlier a cancel.
        long slack = resources.settings().grpc().deadlineResetSlack().toNanos();
        boolean atDeadline = context != null && context.timeRemaining()
                .map(left -> left.toNanos() <= slack).orElse(false);
        SkeinFrame.StreamReset cancel = atDeadline
                ? new SkeinFrame.StreamReset(streamId, StatusCode.DEADLINE_EXCEEDED, "client deadline exceeded")
                : new SkeinFrame.StreamReset(streamId, StatusCode.CANCELLED,
                "cancelled by client (RST_STREAM " + reset.errorCode() + ")");
        if (unaryCall != null) {
            unaryCall.onFrame(cancel);
        } else if (target != null) {
            target.onFrame(cancel);
        } else if (context != null) {
            context.terminate(Status.of(cancel.code(), cancel.reason()));
        }
        done = true;
    }

    /** The stage took {@code messages} more; read on (from any thread). */
    private void demand(int messages) {
        if (channel.eventLoop().inEventLoop()) {
            requested += messages;
            requestRead();
        } else {
            channel.eventLoop().execute(() -> demand(messages));
        }
    }

    private void requestRead() {
        if (drainBudget >= 0) {
            channel.read();
        } else if (inputEnded) {
            if (!channel.isActive()) {
                return;
            }
            channel.read(); // only a reset can come now; it must not wait unread
        } else if (kind == CallKind.UNARY || requested > 0) {
            channel.read();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // A DATA frame may hold part of a message only: keep reading while messages are wanted.
        requestRead();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && target != null) {
            target.onWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // The stream is gone (reset, or the connection closed); a call still running ends UNAVAILABLE.
        Status gone = Status.of(StatusCode.UNAVAILABLE, "HTTP/2 stream closed");
        if (target != null) {
            target.onConnectionClosed(gone);
        } else if (unaryCall != null) {
            unaryCall.onConnectionClosed(gone);
        } else if (context != null) {
            // A unary call still waiting for its request: it ends here (and releases its admission).
            context.terminate(gone);
        }
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
        if (unaryRequest != null) {
            unaryRequest.release();
            unaryRequest = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.warn("gRPC stream {} from {} failed: {}", streamId, connection.channel().remoteAddress(), cause.toString());
        fail(Status.of(StatusCode.INTERNAL, cause.toString()));
    }

    private void writeAndClose(Http2HeadersFrame response) {
        responseEnded(channel.writeAndFlush(response));
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
