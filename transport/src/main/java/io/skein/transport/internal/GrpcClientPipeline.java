package io.skein.transport.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.skein.transport.TransportSettings;

/** The client pipeline of gRPC over HTTP/2 (cleartext, prior knowledge): one stream channel per call. */
final class GrpcClientPipeline {

    private GrpcClientPipeline() {
    }

    static void install(Channel channel, Connection connection, TransportSettings settings, Runnable onGoAway) {
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings()
                        .pushEnabled(false)
                        .initialWindowSize(settings.grpc().initialWindowSize())
                        .maxHeaderListSize(settings.grpc().maxHeaderListSize()))
                .build();
        // Servers never open streams towards a gRPC client; any such stream is dropped.
        Http2MultiplexHandler multiplex = new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.close();
            }
        });
        channel.pipeline().addLast("flush", new io.netty.handler.flush.FlushConsolidationHandler(256, true));
        channel.pipeline().addLast("http2-codec", codec);
        channel.pipeline().addLast("http2-multiplex", multiplex);
        channel.pipeline().addLast("grpc-connection", new GrpcConnectionHandler(connection, onGoAway));
    }
}
