package io.skein.transport.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.buffer.Unpooled;
import io.skein.transport.CallAdmission;
import io.skein.transport.MethodRegistry;
import io.skein.transport.TransportSettings;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The server pipeline of gRPC over HTTP/2 (cleartext, prior knowledge): Netty's HTTP/2 frame codec,
 * one child channel per stream ({@link GrpcServerStreamHandler}), and a connection handler that ties
 * the connection to its actor (drain by GOAWAY, calls end with UNAVAILABLE when it closes).
 */
final class GrpcServerPipeline {

    private GrpcServerPipeline() {
    }

    /** Installs the HTTP/2 handlers after the detector at {@code ctx}. */
    static void install(ChannelHandlerContext ctx, MethodRegistry registry, NettyResources resources,
                        CallAdmission admission, Consumer<Connection> onOpen) {
        TransportSettings.Grpc grpc = resources.settings().grpc();
        Connection connection = new Connection(ctx.channel(), resources.settings(),
                resources.settings().maxConcurrentCallsPerConnection());
        connection.goAwaySender(reason -> ctx.channel().writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR,
                Unpooled.copiedBuffer(reason, StandardCharsets.UTF_8))));
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(grpc.maxConcurrentStreams())
                        .initialWindowSize(grpc.initialWindowSize())
                        .maxHeaderListSize(grpc.maxHeaderListSize()))
                .validateHeaders(true)
                .build();
        Http2MultiplexHandler multiplex = new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                // Reads only as the call's consumer demands: HTTP/2 windows open with demand.
                stream.config().setAutoRead(false);
                stream.pipeline().addLast(new GrpcServerStreamHandler(connection, registry, resources, admission));
            }
        });
        String base = ctx.name();
        // The multiplexer needs the codec before it when it is added.
        // Answers written by many streams (from actor threads) are flushed together, not one syscall each.
        ctx.pipeline().addAfter(base, "flush", new io.netty.handler.flush.FlushConsolidationHandler(256, true));
        ctx.pipeline().addAfter("flush", "http2-codec", codec);
        ctx.pipeline().addAfter("http2-codec", "http2-multiplex", multiplex);
        ctx.pipeline().addAfter("http2-multiplex", "grpc-connection", new GrpcConnectionHandler(connection, () -> { }));
        onOpen.accept(connection);
    }
}
