package io.skein.transport.internal.grpc;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.ClientTransport;
import io.skein.transport.internal.connection.ClientProtocol;
import org.apache.pekko.annotation.InternalApi;

/** gRPC over HTTP/2 towards any gRPC server ({@code grpc://}), cleartext with prior knowledge: one HTTP/2 stream per call. */
@InternalApi
public final class GrpcClientProtocol implements ClientProtocol {

    @Override
    public String name() {
        return "grpc";
    }

    @Override
    public ClientTransport install(Channel channel, TransportSettings settings, Runnable onGoAway) {
        GrpcConnection connection = new GrpcConnection(channel, settings, Integer.MAX_VALUE);
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings()
                        .pushEnabled(false)
                        .initialWindowSize(settings.grpc().initialWindowSize())
                        .maxHeaderListSize(settings.grpc().maxHeaderListSize()))
                // Calls beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS wait for a stream to end
                // instead of failing (as grpc-java's client does).
                .encoderEnforceMaxConcurrentStreams(true)
                .build();
        // Servers never open streams towards a gRPC client; any such stream is dropped.
        Http2MultiplexHandler multiplex = new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.close();
            }
        });
        channel.pipeline().addLast("flush", new FlushConsolidationHandler(256, true));
        channel.pipeline().addLast("http2-codec", codec);
        channel.pipeline().addLast("http2-multiplex", multiplex);
        channel.pipeline().addLast("grpc-connection", new GrpcConnectionHandler(connection, onGoAway));
        channel.pipeline().addAfter("http2-codec", "connection-window",
                new ConnectionWindow(settings.grpc().connectionWindowSize()));
        return new GrpcClientTransport(connection);
    }

    @Override
    public int maxMessageSize(TransportSettings settings) {
        return settings.grpc().maxMessageSize();
    }
}
