package io.skein.transport.internal.grpc;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.protocols.grpc.GrpcCompression;
import io.skein.protocols.grpc.GrpcHeaders;
import io.skein.transport.CallContext;
import io.skein.transport.CallOptions;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.CallListener;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.call.ServerStream;

/**
 * The server side of a gRPC call's HTTP/2 stream: response headers, length-prefixed messages in DATA
 * frames, and the status in trailers (or trailers only when nothing was sent before). Demand reaches
 * the client as HTTP/2 window updates: the stream channel is read only when messages are wanted.
 *
 * <p>The responses' compression is fixed with the response headers: the service's choice in its
 * {@link CallContext} ({@link CallContext#setResponseCompression}) when the client accepts it, else the
 * default (gzip when the client compressed its request and accepts gzip).
 */
final class GrpcServerStream extends GrpcCallWire implements ServerStream {

    private final GrpcServerStreamHandler handler;
    private final GrpcServerRequest request;
    private volatile CallContext context;
    private volatile boolean headersSent;

    GrpcServerStream(Http2StreamChannel channel, Connection connection, TransportSettings settings,
                     GrpcServerRequest request, GrpcServerStreamHandler handler) {
        super(channel, connection, settings, request.responseEncoding());
        this.handler = handler;
        this.request = request;
    }

    @Override
    public void bind(CallContext context) {
        this.context = context;
    }

    /** The compression of the responses, decided as the headers go out. */
    private GrpcCompression responseEncoding() {
        CallContext c = context;
        String chosen = c == null ? null : c.responseCompression();
        if (chosen == null) {
            return request.responseEncoding();
        }
        return chosen.equals(CallOptions.GZIP) && request.acceptsGzip() ? GrpcCompression.GZIP
                : GrpcCompression.IDENTITY;
    }

    @Override
    void tooLarge(StatusException error) {
        sendTrailers(error.status(), Metadata.EMPTY);
    }

    /** A trailers-only response: HTTP 200 with the gRPC status and trailing metadata, ending the stream. */
    static Http2HeadersFrame trailersOnly(Status status, Metadata trailers) {
        return new DefaultHttp2HeadersFrame(GrpcHeaders.trailersOnly(status, trailers), true);
    }

    @Override
    public void attach(CallListener listener) {
        // The dispatcher runs on this stream's event loop, before its next frame is read.
        handler.attach(listener);
        connection.register(channel.stream().id(), listener);
    }

    @Override
    public void refuse(Status status) {
        handler.refuse(status);
    }

    @Override
    public void sendHeaders(Metadata headers) {
        if (headersSent) {
            return;
        }
        writeHeaders(headers, responseEncoding());
    }

    private void writeHeaders(Metadata headers, GrpcCompression encoding) {
        headersSent = true;
        useEncoding(encoding);
        channel.writeAndFlush(new DefaultHttp2HeadersFrame(GrpcHeaders.responseHeaders(encoding, headers), false));
    }

    @Override
    public void sendTrailers(Status status, Metadata trailers) {
        ChannelFuture answered;
        if (!headersSent) {
            headersSent = true;
            answered = channel.writeAndFlush(trailersOnly(status, trailers));
        } else {
            answered = channel.writeAndFlush(new DefaultHttp2HeadersFrame(GrpcHeaders.trailers(status, trailers), true));
        }
        responseEnded(answered);
    }

    // Fix: a response that ends before the request does must not leave the stream half-open with the
    // client's later frames queued unread (see GrpcServerStreamHandler.responseEnded).
    private void responseEnded(ChannelFuture answered) {
        handler.responseEnded(answered);
    }

    @Override
    public void respondUnary(Status status, Metadata headers, Metadata trailers, ByteBuf payload) {
        respondUnary(status, headers, trailers, payload, true);
    }

    @Override
    public void respondUnary(Status status, Metadata headers, Metadata trailers, ByteBuf payload, boolean compress) {
        if (!channel.eventLoop().inEventLoop()) {
            // One event-loop task for headers, message and trailers rather than one per write.
            try {
                channel.eventLoop().execute(() -> respondUnary(status, headers, trailers, payload, compress));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                payload.release(); // the connection's event loop is gone, and the caller with it
            }
            return;
        }
        if (!status.isOk()) {
            payload.release();
            sendTrailers(status, headers.isEmpty() ? trailers : headers.toBuilder().putAll(trailers).build());
            return;
        }
        GrpcCompression encoding = responseEncoding();
        useEncoding(encoding);
        ByteBuf framed = frame(payload, compress);
        if (framed == null) {
            return;
        }
        if (!headersSent) {
            writeHeaders(headers, encoding);
        }
        channel.write(new DefaultHttp2DataFrame(framed, false));
        responseEnded(channel.writeAndFlush(new DefaultHttp2HeadersFrame(GrpcHeaders.trailers(Status.OK, trailers), true)));
    }

    @Override
    public void reset(StatusCode code, String reason) {
        channel.writeAndFlush(new DefaultHttp2ResetFrame(code == StatusCode.CANCELLED ? Http2Error.CANCEL
                : Http2Error.INTERNAL_ERROR));
    }

    @Override
    public void grant(int messages) {
        handler.demand(messages);
    }
}
