package io.skein.transport.internal.grpc;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.call.ServerDispatcher;
import io.skein.transport.internal.connection.OrderlyCloseHandler;
import io.skein.transport.internal.connection.ServerProtocol;
import java.util.function.Consumer;
import org.apache.pekko.annotation.InternalApi;

/**
 * gRPC over HTTP/2 (cleartext, prior knowledge) on a server port, announced by the client preface
 * {@code "PRI * HTTP/2.0"}: Netty's HTTP/2 frame codec, one child channel per call
 * ({@link GrpcServerStreamHandler}), and a connection handler that ties the connection to its actor
 * (drain by GOAWAY, calls end with UNAVAILABLE when it closes).
 *
 * <p>HTTP/2 errors follow RFC 9113: a connection error leaves as GOAWAY with its code and the reason as
 * debug data (Netty's {@code Http2ConnectionHandler}; {@link GrpcConnectionHandler} only logs it and
 * ends the calls), followed by an orderly close ({@link OrderlyCloseHandler}); a stream error as
 * RST_STREAM with its code; a malformed request as RST_STREAM(PROTOCOL_ERROR); a stream beyond
 * SETTINGS_MAX_CONCURRENT_STREAMS as RST_STREAM(REFUSED_STREAM). {@link ClosedStreamGuard} adds what
 * Netty cannot know about closed streams.
 */
@InternalApi
public final class GrpcServerProtocol implements ServerProtocol {

    private final TransportSettings settings;

    public GrpcServerProtocol(TransportSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return "grpc";
    }

    @Override
    public String description() {
        return "gRPC (HTTP/2 with prior knowledge)";
    }

    @Override
    public int prefixLength() {
        return 6;
    }

    @Override
    public boolean matches(ByteBuf first) {
        int start = first.readerIndex();
        return first.getInt(start) == 0x50524920 && first.getUnsignedShort(start + 4) == 0x2a20; // "PRI *"
    }

    @Override
    public void install(ChannelHandlerContext ctx, ServerDispatcher dispatcher, Consumer<Connection> onOpen) {
        TransportSettings.Grpc grpc = settings.grpc();
        GrpcConnection connection = new GrpcConnection(ctx.channel(), settings, settings.maxConcurrentCallsPerConnection());
        ClosedStreamGuard guard = new ClosedStreamGuard(grpc.closedStreamHistory());
        Http2FrameCodec codec = new CodecBuilder(guard.connection())
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(grpc.maxConcurrentStreams())
                        .initialWindowSize(grpc.initialWindowSize())
                        .maxHeaderListSize(grpc.maxHeaderListSize()))
                // Header names and values, pseudo-header order, connection-specific headers, pseudo-headers
                // in trailers, and the pseudo-headers a request must have: a violation is a malformed
                // request, answered RST_STREAM(PROTOCOL_ERROR) (RFC 9113 section 8.1.1).
                .validateHeaders(true)
                .validateRequiredPseudoHeaders(true)
                .frameLogger(guard)
                .build();
        Http2MultiplexHandler multiplex = new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                // Reads only as the call's consumer demands: HTTP/2 windows open with demand.
                stream.config().setAutoRead(false);
                stream.pipeline().addLast(new GrpcServerStreamHandler(connection, dispatcher, settings));
            }
        });
        String base = ctx.name();
        String peer = String.valueOf(ctx.channel().remoteAddress());
        // Below the codec: a close (after a GOAWAY) shuts the output down and drains the input first, so
        // that the client can read the GOAWAY (no TCP reset from unread input).
        ctx.pipeline().addAfter(base, "orderly-close", new OrderlyCloseHandler(grpc.closeDrainTimeout().toMillis(),
                () -> connection.fireClosed("connection to client " + peer + " closed")));
        // The multiplexer needs the codec before it when it is added.
        // Answers written by many streams (from actor threads) are flushed together, not one syscall each.
        ctx.pipeline().addAfter("orderly-close", "flush", new FlushConsolidationHandler(256, true));
        ctx.pipeline().addAfter("flush", "http2-codec", codec);
        ctx.pipeline().addAfter("http2-codec", "http2-multiplex", multiplex);
        ctx.pipeline().addAfter("http2-multiplex", "grpc-connection", new GrpcConnectionHandler(connection, () -> { },
                "client"));
        ctx.pipeline().addAfter("http2-codec", "connection-window", new ConnectionWindow(grpc.connectionWindowSize()));
        onOpen.accept(connection);
    }

    /** Netty's server codec builder ({@code forServer()}) on a connection state of Skein's own. */
    private static final class CodecBuilder extends Http2FrameCodecBuilder {
        CodecBuilder(Http2Connection connection) {
            connection(connection); // a server connection: the builder's server mode follows from it
            gracefulShutdownTimeoutMillis(0); // what forServer() sets: close at once after GOAWAY
        }
    }
}
