package io.skein.examples.grpc;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bare HTTP/2 client (Netty's frame codec, cleartext with prior knowledge) that sends exactly the
 * frames a test wants, including the ones no gRPC library would send. Every received frame is
 * recorded as an {@link Event}; DATA is copied and released at once (tests run with PARANOID leak
 * detection).
 */
final class RawHttp2Client implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** What a stream received. */
    sealed interface Event {
    }

    record Headers(Http2Headers headers, boolean endStream) implements Event {
    }

    record Data(byte[] bytes, boolean endStream) implements Event {
    }

    record Reset(long errorCode) implements Event {
    }

    record Closed() implements Event {
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel parent;

    RawHttp2Client(InetSocketAddress address) {
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                });
        var connect = b.connect(address);
        if (!connect.awaitUninterruptibly(TIMEOUT.toMillis()) || !connect.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new AssertionError("cannot connect to " + address, connect.cause());
        }
        parent = connect.channel();
    }

    boolean isOpen() {
        return parent.isActive();
    }

    /** A new stream on the connection. */
    Stream open() {
        Stream s = new Stream();
        var f = new Http2StreamChannelBootstrap(parent).handler(s).open();
        if (!f.awaitUninterruptibly(TIMEOUT.toMillis()) || !f.isSuccess()) {
            throw new AssertionError("cannot open a stream", f.cause());
        }
        s.channel = f.getNow();
        return s;
    }

    /** The request headers of a well-formed gRPC call to {@code method}. */
    static Http2Headers grpcHeaders(String method) {
        return new DefaultHttp2Headers()
                .method("POST").scheme("http").authority("localhost").path("/" + method)
                .set("content-type", "application/grpc")
                .set("te", "trailers");
    }

    /** {@code message} with gRPC's 5-byte prefix (uncompressed). */
    static byte[] framed(byte[] message) {
        byte[] out = new byte[5 + message.length];
        out[1] = (byte) (message.length >>> 24);
        out[2] = (byte) (message.length >>> 16);
        out[3] = (byte) (message.length >>> 8);
        out[4] = (byte) message.length;
        System.arraycopy(message, 0, out, 5, message.length);
        return out;
    }

    /** One stream: write frames, take what came back. */
    static final class Stream extends ChannelInboundHandlerAdapter {
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Http2StreamChannel channel;

        void headers(Http2Headers headers, boolean endStream) {
            sync(channel.writeAndFlush(new DefaultHttp2HeadersFrame(headers, endStream)));
        }

        void data(byte[] bytes, boolean endStream) {
            ByteBuf buf = channel.alloc().buffer(bytes.length).writeBytes(bytes);
            sync(channel.writeAndFlush(new DefaultHttp2DataFrame(buf, endStream)));
        }

        void reset(Http2Error error) {
            sync(channel.writeAndFlush(new DefaultHttp2ResetFrame(error)));
        }

        private static void sync(io.netty.util.concurrent.Future<?> f) {
            if (!f.awaitUninterruptibly(TIMEOUT.toMillis()) || !f.isSuccess()) {
                throw new AssertionError("write failed", f.cause());
            }
        }

        /** The next event within {@link #TIMEOUT}. */
        Event next() {
            try {
                Event e = events.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                if (e == null) {
                    throw new AssertionError("nothing received on stream " + channel.stream().id() + " within "
                            + TIMEOUT);
                }
                return e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        /** The next HEADERS frame, skipping DATA; fails on a reset or close first. */
        Headers nextHeaders() {
            for (;;) {
                Event e = next();
                if (e instanceof Headers h) {
                    return h;
                }
                if (!(e instanceof Data)) {
                    throw new AssertionError("expected HEADERS, got " + e);
                }
            }
        }

        /** Waits until the stream is closed on both sides (or reset), within {@link #TIMEOUT}. */
        void awaitClosed() {
            for (;;) {
                if (next() instanceof Closed) {
                    return;
                }
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame h) {
                    events.add(new Headers(h.headers(), h.isEndStream()));
                } else if (msg instanceof Http2DataFrame d) {
                    events.add(new Data(ByteBufUtil.getBytes(d.content()), d.isEndStream()));
                } else if (msg instanceof Http2ResetFrame r) {
                    events.add(new Reset(r.errorCode()));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            events.add(new Closed());
            ctx.fireChannelInactive();
        }
    }

    @Override
    public void close() {
        parent.close().awaitUninterruptibly(TIMEOUT.toMillis());
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(TIMEOUT.toMillis());
    }
}
