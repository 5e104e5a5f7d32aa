package io.skein.transport.internal.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.skein.testing.Await;
import io.skein.transport.MethodRegistry;
import io.skein.transport.internal.NettyResources;
import io.skein.transport.internal.call.Connection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An HTTP/2 client at the frame level against the server pipeline of an accepted connection, without a
 * socket: frames are written with Netty's {@link DefaultHttp2FrameWriter} (or as raw bytes, for frames
 * no writer would produce) on an {@link EmbeddedChannel} that only the test thread uses, and sent to the
 * server as bytes; what the server wrote is read back with {@link DefaultHttp2FrameReader} as
 * {@link Frame}s. Every buffer is pooled and leak-tracked, and released here.
 *
 * <p>The server side is an in-VM {@link LocalChannel} accepted by a {@link LocalServerChannel}, on an
 * event loop of its own, rather than an {@code EmbeddedChannel}: Skein's calls answer and ask for more
 * input from actor threads, and an embedded event loop, which says every thread is its own and queues
 * tasks without synchronisation, let those threads into the pipeline concurrently with the test thread
 * (seen as buffer leaks under PARANOID detection).
 */
public final class Http2Wire implements AutoCloseable {

    /** The client connection preface. */
    public static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    public static final Duration LIMIT = Duration.ofSeconds(5);

    /** A frame the server sent. */
    public sealed interface Frame {
    }

    public record Settings(Http2Settings settings, boolean ack) implements Frame {
    }

    public record Headers(int streamId, Http2Headers headers, boolean endStream) implements Frame {
    }

    public record Data(int streamId, String text, boolean endStream) implements Frame {
    }

    public record RstStream(int streamId, Http2Error error) implements Frame {
    }

    public record GoAway(int lastStreamId, Http2Error error, String debugData) implements Frame {
    }

    public record Ping(long data, boolean ack) implements Frame {
    }

    public record WindowUpdate(int streamId, int increment) implements Frame {
    }

    private final EventLoopGroup group = new DefaultEventLoopGroup(1);
    private final Channel serverChannel;
    private final Channel client;
    private final BlockingQueue<ByteBuf> inbound = new LinkedBlockingQueue<>();
    private final List<Connection> opened = new CopyOnWriteArrayList<>();
    private final List<Channel> accepted = new CopyOnWriteArrayList<>();
    private final EmbeddedChannel scratch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    private final ChannelHandlerContext ctx = scratch.pipeline().firstContext();
    private final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
    private final DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader(false);
    private final CompositeByteBuf pending;
    private final List<Frame> received = new ArrayList<>();
    private final List<Frame> backlog = new ArrayList<>();

    /** A new accepted connection serving {@code registry}; nothing sent yet. */
    public Http2Wire(MethodRegistry registry, NettyResources resources) {
        LocalAddress address = new LocalAddress(Http2Wire.class);
        serverChannel = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<LocalChannel>() {
                    @Override
                    protected void initChannel(LocalChannel ch) {
                        accepted.add(ch);
                        AcceptedChannels.init(ch, registry, resources, opened::add);
                    }
                })
                .bind(address).syncUninterruptibly().channel();
        client = new Bootstrap().group(group).channel(LocalChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext c, Object msg) {
                        inbound.add((ByteBuf) msg);
                    }
                })
                .connect(address).syncUninterruptibly().channel();
        pending = scratch.alloc().compositeBuffer();
    }

    /** Whether the server has not closed the connection (yet). */
    public boolean isOpen() {
        return client.isActive();
    }

    /** The connection handed to the server's connection actor (after the preface). */
    public Connection connection() {
        return opened.get(0);
    }

    /** Preface and empty SETTINGS, then the server's SETTINGS is read and acknowledged. */
    public Http2Settings handshake() {
        return handshake(new Http2Settings());
    }

    /** Preface and {@code settings}; returns the server's SETTINGS, acknowledged. */
    public Http2Settings handshake(Http2Settings settings) {
        raw(PREFACE);
        writer.writeSettings(ctx, settings, ctx.newPromise());
        send();
        Settings serverSettings = (Settings) next(f -> f instanceof Settings s && !s.ack());
        writer.writeSettingsAck(ctx, ctx.newPromise());
        send();
        next(f -> f instanceof Settings s && s.ack()); // our SETTINGS acknowledged
        return serverSettings.settings();
    }

    /** Request headers of a well-formed gRPC call to {@code method}. */
    public static Http2Headers grpcRequest(String method) {
        return new DefaultHttp2Headers(false)
                .method("POST").scheme("http").authority("localhost").path("/" + method)
                .set("content-type", "application/grpc")
                .set("te", "trailers");
    }

    /** {@code text} as one gRPC message (5-byte prefix, uncompressed). */
    public static byte[] grpcMessage(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[5 + payload.length];
        out[1] = (byte) (payload.length >>> 24);
        out[2] = (byte) (payload.length >>> 16);
        out[3] = (byte) (payload.length >>> 8);
        out[4] = (byte) payload.length;
        System.arraycopy(payload, 0, out, 5, payload.length);
        return out;
    }

    // ---------------------------------------------------------------- writing (buffered until send())

    public Http2Wire headers(int streamId, Http2Headers headers, boolean endStream) {
        writer.writeHeaders(ctx, streamId, headers, 0, endStream, ctx.newPromise());
        return this;
    }

    public Http2Wire data(int streamId, byte[] bytes, boolean endStream) {
        writer.writeData(ctx, streamId, ctx.alloc().buffer(bytes.length).writeBytes(bytes), 0, endStream,
                ctx.newPromise());
        return this;
    }

    public Http2Wire rstStream(int streamId, Http2Error error) {
        writer.writeRstStream(ctx, streamId, error.code(), ctx.newPromise());
        return this;
    }

    public Http2Wire settings(Http2Settings settings) {
        writer.writeSettings(ctx, settings, ctx.newPromise());
        return this;
    }

    public Http2Wire ping(long data) {
        writer.writePing(ctx, false, data, ctx.newPromise());
        return this;
    }

    public Http2Wire windowUpdate(int streamId, int increment) {
        writer.writeWindowUpdate(ctx, streamId, increment, ctx.newPromise());
        return this;
    }

    public Http2Wire priority(int streamId, int dependency) {
        writer.writePriority(ctx, streamId, dependency, (short) 16, false, ctx.newPromise());
        return this;
    }

    /** A frame from its parts: 9-byte header and {@code payload}, whatever they say. */
    public Http2Wire frame(int type, int flags, int streamId, byte[] payload) {
        return frame(payload.length, type, flags, streamId, payload);
    }

    /** A frame whose length field says {@code length}, followed by {@code payload} (of any length). */
    public Http2Wire frame(int length, int type, int flags, int streamId, byte[] payload) {
        ByteBuf buf = ctx.alloc().buffer(9 + payload.length);
        buf.writeMedium(length).writeByte(type).writeByte(flags).writeInt(streamId).writeBytes(payload);
        ctx.write(buf);
        return this;
    }

    /**
     * The HPACK block of {@code headers}, encoded with this connection's encoder (whose table the server
     * mirrors, so the block must then be sent); call with nothing else written and not sent.
     */
    public byte[] headerBlock(int streamId, Http2Headers headers) {
        scratch.flush();
        assertTrue(scratch.outboundMessages().isEmpty(), "frames written and not sent");
        writer.writeHeaders(ctx, streamId, headers, 0, false, ctx.newPromise());
        scratch.flush();
        CompositeByteBuf frame = scratch.alloc().compositeBuffer();
        for (Object o; (o = scratch.readOutbound()) != null; ) {
            frame.addComponent(true, (ByteBuf) o);
        }
        try {
            frame.skipBytes(9);
            return ByteBufUtil.getBytes(frame);
        } finally {
            frame.release();
        }
    }

    /**
     * A header block of literal fields without indexing, in exactly this order (the frame writer puts
     * pseudo-headers first whatever the order given).
     */
    public static byte[] literalHeaderBlock(String... namesAndValues) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < namesAndValues.length; i++) {
            if (i % 2 == 0) {
                out.write(0x00); // literal field without indexing, new name
            }
            byte[] bytes = namesAndValues[i].getBytes(StandardCharsets.US_ASCII);
            assertTrue(bytes.length < 127, "short strings only");
            out.write(bytes.length); // no Huffman coding
            out.write(bytes, 0, bytes.length);
        }
        return out.toByteArray();
    }

    /** HEADERS without END_HEADERS carrying {@code block}; CONTINUATION must follow. */
    public Http2Wire headersWithoutEndHeaders(int streamId, byte[] block, boolean endStream) {
        return frame(0x1, endStream ? Http2Flags.END_STREAM : 0, streamId, block);
    }

    public Http2Wire continuation(int streamId, byte[] block, boolean endHeaders) {
        return frame(0x9, endHeaders ? Http2Flags.END_HEADERS : 0, streamId, block);
    }

    public Http2Wire raw(byte[] bytes) {
        ctx.write(ctx.alloc().buffer(bytes.length).writeBytes(bytes));
        return this;
    }

    /** Hands everything written so far to the server, as one write. */
    public Http2Wire send() {
        scratch.flush();
        CompositeByteBuf out = scratch.alloc().compositeBuffer();
        for (Object o; (o = scratch.readOutbound()) != null; ) {
            out.addComponent(true, (ByteBuf) o);
        }
        if (!client.isActive()) {
            out.release();
            return this;
        }
        client.writeAndFlush(out).awaitUninterruptibly(LIMIT.toMillis());
        return this;
    }

    // ---------------------------------------------------------------- reading

    /** The frames the server wrote and no {@link #next} call went past yet, decoded. */
    public List<Frame> frames() {
        List<Frame> out = new ArrayList<>(backlog);
        backlog.clear();
        out.addAll(newFrames());
        return out;
    }

    private List<Frame> newFrames() {
        for (ByteBuf b; (b = inbound.poll()) != null; ) {
            pending.addComponent(true, b);
        }
        try {
            reader.readFrame(ctx, pending, new Recorder());
        } catch (Http2Exception e) {
            throw new AssertionError("the server wrote a broken frame", e);
        }
        pending.discardReadComponents();
        List<Frame> out = new ArrayList<>(received);
        received.clear();
        return out;
    }

    /**
     * The first frame matching {@code wanted}, waiting (bounded) for the server's asynchronous work;
     * frames before it are skipped, frames after it stay for the next call.
     */
    public Frame next(Predicate<Frame> wanted) {
        List<Frame> seen = new ArrayList<>();
        Frame[] found = new Frame[1];
        Await.until(LIMIT, () -> {
            for (Frame f : frames()) {
                if (found[0] == null && wanted.test(f)) {
                    found[0] = f;
                } else if (found[0] == null) {
                    seen.add(f);
                } else {
                    backlog.add(f);
                }
            }
            return found[0] != null;
        }, () -> "the expected frame (seen: " + seen + ")");
        return found[0];
    }

    /** The next RST_STREAM or GOAWAY, skipping anything else. */
    public Frame nextError() {
        return next(f -> f instanceof RstStream || f instanceof GoAway);
    }

    /** Asserts the connection ended with GOAWAY {@code error} and is closed; returns the GOAWAY. */
    public GoAway assertConnectionError(Http2Error error) {
        GoAway goAway = (GoAway) next(f -> f instanceof GoAway);
        assertEquals(error, goAway.error(), () -> "GOAWAY " + goAway);
        Await.until(LIMIT, () -> !client.isActive(), () -> "the connection closed after " + goAway);
        return goAway;
    }

    /** Asserts stream {@code streamId} was reset with {@code error} and the connection stays open. */
    public RstStream assertStreamError(int streamId, Http2Error error) {
        Frame f = nextError();
        assertEquals(new RstStream(streamId, error), f);
        assertTrue(client.isActive(), "the connection stays open");
        return (RstStream) f;
    }

    /** Asserts the server still answers PING on this connection. */
    public void assertServing() {
        ping(0x5ce1L).send();
        assertEquals(new Ping(0x5ce1L, true), next(f -> f instanceof Ping));
    }

    @Override
    public void close() {
        client.close().awaitUninterruptibly(LIMIT.toMillis());
        // The server side releases what it buffered when it sees the close: let it, before the loop stops.
        for (Channel ch : accepted) {
            ch.closeFuture().awaitUninterruptibly(LIMIT.toMillis());
        }
        serverChannel.close().awaitUninterruptibly(LIMIT.toMillis());
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(LIMIT.toMillis());
        for (ByteBuf b; (b = inbound.poll()) != null; ) {
            b.release();
        }
        pending.release();
        scratch.finishAndReleaseAll();
    }

    private final class Recorder extends Http2FrameAdapter {
        @Override
        public int onDataRead(ChannelHandlerContext c, int streamId, ByteBuf data, int padding, boolean end) {
            received.add(new Data(streamId, data.toString(StandardCharsets.UTF_8), end));
            return data.readableBytes() + padding;
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext c, int streamId, Http2Headers headers, int padding,
                                  boolean end) {
            received.add(new Headers(streamId, headers, end));
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext c, int streamId, Http2Headers headers, int dependency,
                                  short weight, boolean exclusive, int padding, boolean end) {
            received.add(new Headers(streamId, headers, end));
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext c, int streamId, long errorCode) {
            received.add(new RstStream(streamId, Http2Error.valueOf(errorCode)));
        }

        @Override
        public void onSettingsRead(ChannelHandlerContext c, Http2Settings settings) {
            received.add(new Settings(settings, false));
        }

        @Override
        public void onSettingsAckRead(ChannelHandlerContext c) {
            received.add(new Settings(new Http2Settings(), true));
        }

        @Override
        public void onPingRead(ChannelHandlerContext c, long data) {
            received.add(new Ping(data, false));
        }

        @Override
        public void onPingAckRead(ChannelHandlerContext c, long data) {
            received.add(new Ping(data, true));
        }

        @Override
        public void onGoAwayRead(ChannelHandlerContext c, int lastStreamId, long errorCode, ByteBuf debugData) {
            received.add(new GoAway(lastStreamId, Http2Error.valueOf(errorCode), debugData.toString(StandardCharsets.UTF_8)));
        }

        @Override
        public void onWindowUpdateRead(ChannelHandlerContext c, int streamId, int increment) {
            received.add(new WindowUpdate(streamId, increment));
        }
    }

}
