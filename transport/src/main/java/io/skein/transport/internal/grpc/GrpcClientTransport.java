package io.skein.transport.internal.grpc;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.channel.ChannelOption;
import io.skein.protocols.StatusException;
import io.skein.protocols.grpc.GrpcCompression;
import io.skein.protocols.grpc.GrpcMessageFramer;
import io.skein.protocols.grpc.GrpcRequestHeaders;
import io.skein.transport.CallRefusals;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.CallListener;
import io.skein.transport.internal.call.ClientCallHead;
import io.skein.transport.internal.call.ClientTransport;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.call.StreamEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Opens gRPC calls on one HTTP/2 connection: each call is a child stream channel with auto-read off
 * (read as the call grants), its request HEADERS written before the call learns its stream, and for a
 * unary call the one request message with END_STREAM right behind them.
 */
final class GrpcClientTransport implements ClientTransport {

    private final GrpcConnection connection;
    private final TransportSettings settings;
    private String authority; // known once connected; event loop only

    GrpcClientTransport(GrpcConnection connection) {
        this.connection = connection;
        this.settings = connection.settings();
    }

    @Override
    public Connection connection() {
        return connection;
    }

    @Override
    public void open(ClientCallHead head, ByteBuf unaryRequest, CallListener listener) {
        if (!connection.isUsable()) {
            release(unaryRequest);
            listener.onEvent(new StreamEvent.Closed(CallRefusals.connectionUnusable()));
            return;
        }
        GrpcClientStreamHandler handler = new GrpcClientStreamHandler(listener, settings.grpc(), head.window(),
                head.deadlineNanos());
        new Http2StreamChannelBootstrap(connection.channel())
                .option(ChannelOption.AUTO_READ, false)
                .handler(handler)
                .open()
                .addListener(f -> {
                    // On the connection's event loop.
                    if (!f.isSuccess()) {
                        release(unaryRequest);
                        listener.onEvent(new StreamEvent.Closed(CallRefusals.cannotOpenStream(f.cause())));
                        return;
                    }
                    started((Http2StreamChannel) f.getNow(), handler, head, unaryRequest, listener);
                });
    }

    /** Writes the request's head (and a unary call's message) and hands the call its stream; on the event loop. */
    private void started(Http2StreamChannel stream, GrpcClientStreamHandler handler, ClientCallHead head,
                         ByteBuf unaryRequest, CallListener listener) {
        GrpcCompression encoding = encoding(head);
        ByteBuf framed = null;
        if (unaryRequest != null) {
            try {
                framed = new GrpcMessageFramer(stream.alloc(), encoding, settings.grpc().maxMessageSize())
                        .frame(unaryRequest, head.compressUnaryRequest());
            } catch (StatusException e) {
                stream.close();
                listener.onEvent(new StreamEvent.Closed(e.status()));
                return;
            }
        }
        stream.write(new DefaultHttp2HeadersFrame(requestHeaders(head, encoding), false));
        if (framed != null) {
            stream.write(new DefaultHttp2DataFrame(framed, true));
        }
        stream.flush();
        // The stream id exists once its HEADERS were written.
        if (!connection.register(stream.stream().id(), listener)) {
            stream.close();
            listener.onEvent(new StreamEvent.Closed(CallRefusals.connectionClosed()));
            return;
        }
        listener.onOpened(new GrpcClientStream(stream, connection, settings, encoding, handler));
    }

    /** The compression the caller chose ({@code CallOptions.withCompression}, checked there): gzip or identity. */
    private static GrpcCompression encoding(ClientCallHead head) {
        GrpcCompression c = GrpcCompression.forName(head.compression());
        return c == null ? GrpcCompression.IDENTITY : c;
    }

    private Http2Headers requestHeaders(ClientCallHead head, GrpcCompression encoding) {
        if (authority == null) {
            SocketAddress remote = connection.channel().remoteAddress();
            authority = remote instanceof InetSocketAddress isa ? isa.getHostString() + ":" + isa.getPort() : "localhost";
        }
        GrpcRequestHeaders.Builder headers = GrpcRequestHeaders.builder(head.method())
                .authority(authority)
                .encoding(encoding)
                .metadata(head.metadata());
        long timeoutMillis = head.remainingMillis();
        if (timeoutMillis > 0) {
            headers.timeoutNanos(TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
        }
        return headers.build();
    }

    private static void release(ByteBuf buffer) {
        if (buffer != null) {
            buffer.release();
        }
    }
}
