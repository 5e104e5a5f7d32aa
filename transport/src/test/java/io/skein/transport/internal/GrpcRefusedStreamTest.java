package io.skein.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import io.skein.protocols.CallKind;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import io.skein.transport.CallRefusals;
import io.skein.transport.EndpointChannel;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Skein's gRPC client against a server that refuses every stream with RST_STREAM(REFUSED_STREAM), as
 * a server over its SETTINGS_MAX_CONCURRENT_STREAMS does (Skein's own server included, see
 * Http2StreamErrorTest): the call fails with the refusal status that tells a balancer the call never
 * reached a service and may be sent elsewhere.
 */
class GrpcRefusedStreamTest {

    private static ActorTestKit testKit;
    private static EventLoopGroup group;
    private static Channel refusingServer;
    private static EndpointChannel grpc;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("GrpcRefusedStreamTest", Servers.config(""));
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        refusingServer = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                try {
                                    if (msg instanceof Http2HeadersFrame headers) {
                                        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM)
                                                .stream(headers.stream()));
                                    }
                                } finally {
                                    ReferenceCountUtil.release(msg);
                                }
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        grpc = EndpointChannel.grpc(testKit.system(), (InetSocketAddress) refusingServer.localAddress());
    }

    @AfterAll
    static void stop() {
        if (grpc != null) {
            grpc.close();
        }
        refusingServer.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        testKit.shutdownTestKit();
    }

    @Test
    void aRefusedStreamIsAnUnavailableRefusalBeforeProcessing() {
        Throwable failure = Await.failure(grpc.unary(TestServices.method(TestServices.ECHO, CallKind.UNARY), "x",
                CallOptions.DEFAULT), Servers.TIMEOUT);
        Status status = Status.fromThrowable(failure);
        assertEquals(StatusCode.UNAVAILABLE, status.code(), status::toString);
        assertEquals(CallRefusals.streamRefused(), status);
        assertTrue(CallRefusals.refusedBeforeProcessing(failure), "a balancer may resend it: " + status);
    }
}
