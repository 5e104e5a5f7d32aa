package io.skein.transport.internal.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The other end of an HTTP/2 connection on an {@link EmbeddedChannel}, written with Netty's own
 * {@link DefaultHttp2FrameWriter} and read with {@link DefaultHttp2FrameReader}: frames the test
 * sends become inbound bytes (pooled, leak-tracked buffers the pipeline must release), and what the
 * channel writes is parsed back into {@link Frame}s (copies; nothing to release). Knows nothing of the
 * handlers under test.
 */
public final class Http2Peer {

    /** One HTTP/2 frame the channel wrote. */
    public sealed interface Frame {
        int streamId();
    }

    public record Headers(int streamId, Http2Headers headers, boolean endStream) implements Frame {
        /** A header's value as a string, or null. */
        public String get(String name) {
            CharSequence v = headers.get(name);
            return v == null ? null : v.toString();
        }
    }

    public record Data(int streamId, byte[] bytes, boolean endStream) implements Frame {
        @Override
        public String toString() {
            return "Data[streamId=" + streamId + ", " + bytes.length + " bytes, endStream=" + endStream + "]";
        }
    }

    public record RstStream(int streamId, long errorCode) implements Frame {
    }

    public record WindowUpdate(int streamId, int increment) implements Frame {
    }

    public record Settings(Http2Settings settings) implements Frame {
        @Override
        public int streamId() {
            return 0;
        }
    }

    public record SettingsAck() implements Frame {
        @Override
        public int streamId() {
            return 0;
        }
    }

    public record Ping(long data, boolean ack) implements Frame {
        @Override
        public int streamId() {
            return 0;
        }
    }

    public record GoAway(int lastStreamId, long errorCode, String debug) implements Frame {
        @Override
        public int streamId() {
            return 0;
        }
    }

    private static final int PREFACE_LENGTH = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

    private final EmbeddedChannel channel;
    private final EmbeddedChannel sink = new EmbeddedChannel(new ChannelOutboundHandlerAdapter());
    private final ChannelHandlerContext ctx = sink.pipeline().firstContext();
    private final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
    private final DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader();
    private final ByteBuf written = Unpooled.buffer();
    private final boolean asClient;
    private boolean skipPreface;

    /**
     * @param channel the channel under test
     * @param asClient whether this peer is the client (it sends the connection preface; otherwise it
     *                 expects to read the channel's preface first)
     */
    public Http2Peer(EmbeddedChannel channel, boolean asClient) {
        this.channel = channel;
        this.asClient = asClient;
        this.skipPreface = !asClient;
    }

    /** This side's connection preface: a client's preface string and SETTINGS, or a server's SETTINGS. */
    public void preface(Http2Settings settings) {
        if (asClient) {
            ctx.write(Http2CodecUtil.connectionPrefaceBuf());
        }
        writer.writeSettings(ctx, settings, ctx.newPromise());
        flush();
    }

    public void headers(int streamId, Http2Headers headers, boolean endStream) {
        writer.writeHeaders(ctx, streamId, headers, 0, endStream, ctx.newPromise());
        flush();
    }

    /** A DATA frame (split at the peer's frame size when larger); takes {@code data}. */
    public void data(int streamId, ByteBuf data, boolean endStream) {
        writer.writeData(ctx, streamId, data, 0, endStream, ctx.newPromise());
        flush();
    }

    public void rst(int streamId, Http2Error error) {
        writer.writeRstStream(ctx, streamId, error.code(), ctx.newPromise());
        flush();
    }

    public void windowUpdate(int streamId, int increment) {
        writer.writeWindowUpdate(ctx, streamId, increment, ctx.newPromise());
        flush();
    }

    public void settingsAck() {
        writer.writeSettingsAck(ctx, ctx.newPromise());
        flush();
    }

    public void goAway(int lastStreamId, Http2Error error) {
        writer.writeGoAway(ctx, lastStreamId, error.code(), Unpooled.EMPTY_BUFFER, ctx.newPromise());
        flush();
    }

    private void flush() {
        ctx.flush();
        boolean open = channel.isOpen();
        for (Object out; (out = sink.readOutbound()) != null; ) {
            if (channel.isOpen()) {
                channel.writeInbound(out);
            } else {
                ReferenceCountUtil.release(out); // closed before or in reaction to what was sent
            }
        }
        if (!open) {
            throw new AssertionError("the channel is closed: nothing can be sent on it");
        }
    }

    /** Every complete frame the channel wrote since the last call, in order. */
    public List<Frame> receive() {
        for (Object out; (out = channel.readOutbound()) != null; ) {
            try {
                written.writeBytes((ByteBuf) out);
            } finally {
                ReferenceCountUtil.release(out);
            }
        }
        if (skipPreface) {
            int n = PREFACE_LENGTH;
            if (written.readableBytes() < n) {
                return List.of();
            }
            written.skipBytes(n);
            skipPreface = false;
        }
        List<Frame> frames = new ArrayList<>();
        try {
            reader.readFrame(ctx, written, new Collector(frames));
        } catch (Http2Exception e) {
            throw new AssertionError("the channel wrote a malformed HTTP/2 frame", e);
        }
        written.discardReadBytes();
        return frames;
    }

    /** Releases what is left. */
    public void close() {
        for (Object out; (out = channel.readOutbound()) != null; ) {
            ReferenceCountUtil.release(out);
        }
        written.release();
        reader.close();
        sink.finishAndReleaseAll();
    }

    /** One gRPC length-prefixed, uncompressed message: UTF-8 {@code text}. */
    public static ByteBuf grpcMessage(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return grpcPrefix(bytes.length).writeBytes(bytes);
    }

    /** Only the 5-byte prefix of a gRPC message announcing {@code length} bytes. */
    public static ByteBuf grpcPrefix(int length) {
        ByteBuf buf = Unpooled.buffer(5 + Math.min(length, 1 << 16));
        buf.writeByte(0).writeInt(length);
        return buf;
    }

    /** The gRPC messages in the DATA frames of {@code frames} (of one stream), as text. */
    public static List<String> grpcMessages(List<? extends Frame> frames) {
        ByteBuf all = Unpooled.buffer();
        try {
            for (Frame f : frames) {
                if (f instanceof Data d) {
                    all.writeBytes(d.bytes());
                }
            }
            List<String> messages = parseMessages(all);
            if (messages == null) {
                throw new AssertionError("not whole uncompressed gRPC messages");
            }
            return messages;
        } finally {
            all.release();
        }
    }

    private static List<String> parseMessages(ByteBuf all) {
        List<String> messages = new ArrayList<>();
        while (all.isReadable()) {
            if (all.readableBytes() < 5 || all.getByte(all.readerIndex()) != 0
                    || all.getInt(all.readerIndex() + 1) > all.readableBytes() - 5) {
                return null;
            }
            int length = all.getInt(all.readerIndex() + 1);
            all.skipBytes(5);
            messages.add(all.readCharSequence(length, StandardCharsets.UTF_8).toString());
        }
        return messages;
    }

    /** Each frame in one line, e.g. {@code HEADERS+END :status=200, grpc-status=0} or {@code DATA [hi]}. */
    public static List<String> describe(List<? extends Frame> frames) {
        return frames.stream().map(Http2Peer::describe).toList();
    }

    /** Long messages as their first characters and length. */
    private static String abbreviate(String message) {
        return message.length() <= 40 ? message : message.substring(0, 10) + "...(" + message.length() + " chars)";
    }

    /** One frame in one line. */
    public static String describe(Frame frame) {
        if (frame instanceof Headers h) {
            List<String> pairs = new ArrayList<>();
            h.headers().forEach(e -> pairs.add(e.getKey() + "=" + e.getValue()));
            pairs.sort((a, b) -> a.startsWith(":") != b.startsWith(":") ? (a.startsWith(":") ? -1 : 1) : a.compareTo(b));
            return (h.endStream() ? "HEADERS+END " : "HEADERS ") + String.join(", ", pairs);
        }
        if (frame instanceof Data d) {
            ByteBuf bytes = Unpooled.wrappedBuffer(d.bytes());
            List<String> messages = parseMessages(bytes);
            return (d.endStream() ? "DATA+END " : "DATA ") + (messages != null
                    ? messages.stream().map(Http2Peer::abbreviate).toList().toString() : d.bytes().length + " bytes");
        }
        if (frame instanceof RstStream r) {
            return "RST_STREAM " + Http2Error.valueOf(r.errorCode());
        }
        if (frame instanceof WindowUpdate w) {
            return "WINDOW_UPDATE " + w.increment();
        }
        if (frame instanceof GoAway g) {
            return "GOAWAY " + g.lastStreamId() + " " + Http2Error.valueOf(g.errorCode()) + " " + g.debug();
        }
        return frame.toString();
    }

    private static final class Collector extends Http2FrameAdapter {
        private final List<Frame> frames;

        Collector(List<Frame> frames) {
            this.frames = frames;
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
            frames.add(new Data(streamId, ByteBufUtil.getBytes(data), endOfStream));
            return data.readableBytes() + padding;
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                                  boolean endOfStream) {
            frames.add(new Headers(streamId, headers, endOfStream));
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                                  short weight, boolean exclusive, int padding, boolean endOfStream) {
            frames.add(new Headers(streamId, headers, endOfStream));
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
            frames.add(new RstStream(streamId, errorCode));
        }

        @Override
        public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
            frames.add(new Settings(settings));
        }

        @Override
        public void onSettingsAckRead(ChannelHandlerContext ctx) {
            frames.add(new SettingsAck());
        }

        @Override
        public void onPingRead(ChannelHandlerContext ctx, long data) {
            frames.add(new Ping(data, false));
        }

        @Override
        public void onPingAckRead(ChannelHandlerContext ctx, long data) {
            frames.add(new Ping(data, true));
        }

        @Override
        public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
            frames.add(new GoAway(lastStreamId, errorCode, debugData.toString(StandardCharsets.UTF_8)));
        }

        @Override
        public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {
            frames.add(new WindowUpdate(streamId, windowSizeIncrement));
        }
    }
}
