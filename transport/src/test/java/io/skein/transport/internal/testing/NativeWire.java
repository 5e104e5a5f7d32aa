package io.skein.transport.internal.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.protocols.frame.SkeinFrameCodec;
import io.skein.protocols.ttheader.TTHeader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The peer's end of a native-protocol {@link EmbeddedChannel}: encodes {@link SkeinFrame}s into
 * inbound bytes (pooled, leak-tracked buffers the pipeline must release) and decodes what the channel
 * wrote back into frames whose payloads are untracked heap copies. Knows nothing of the handlers.
 */
public final class NativeWire {

    private final EmbeddedChannel channel;
    private final ByteBuf written = Unpooled.buffer();

    public NativeWire(EmbeddedChannel channel) {
        this.channel = channel;
    }

    /** Encodes {@code frames} into one inbound buffer and hands it to the pipeline; releases the frames. */
    public void send(SkeinFrame... frames) {
        if (!channel.isOpen()) {
            for (SkeinFrame f : frames) {
                ReferenceCountUtil.release(f);
            }
            throw new AssertionError("the channel is closed: nothing can be sent on it");
        }
        ByteBuf buf = channel.alloc().buffer();
        for (SkeinFrame f : frames) {
            try {
                SkeinFrameCodec.encode(f, buf);
            } finally {
                ReferenceCountUtil.release(f);
            }
        }
        channel.writeInbound(buf);
    }

    /** Hands raw bytes to the pipeline in one pooled buffer. */
    public void sendBytes(byte[] bytes) {
        ByteBuf buf = channel.alloc().buffer(bytes.length);
        buf.writeBytes(bytes);
        channel.writeInbound(buf);
    }

    /** The wire bytes of {@code frame} (released). */
    public static byte[] bytes(SkeinFrame frame) {
        ByteBuf buf = Unpooled.buffer();
        try {
            SkeinFrameCodec.encode(frame, buf);
            return ByteBufUtil.getBytes(buf);
        } finally {
            ReferenceCountUtil.release(frame);
            buf.release();
        }
    }

    /** Every complete frame the channel wrote since the last call, in order; releases what it read. */
    public List<SkeinFrame> receive() {
        for (Object out; (out = channel.readOutbound()) != null; ) {
            try {
                if (out instanceof ByteBuf b) {
                    written.writeBytes(b);
                } else {
                    throw new AssertionError("the channel wrote a " + out.getClass().getName() + ", not bytes");
                }
            } finally {
                ReferenceCountUtil.release(out);
            }
        }
        List<SkeinFrame> frames = new ArrayList<>();
        for (;;) {
            int size = TTHeader.frameSize(written, Integer.MAX_VALUE);
            if (size < 0) {
                break;
            }
            int start = written.readerIndex();
            SkeinFrame decoded = SkeinFrameCodec.decode(written, start, start + size);
            written.readerIndex(start + size);
            try {
                frames.add(copyOf(decoded));
            } finally {
                ReferenceCountUtil.release(decoded);
            }
        }
        written.discardReadBytes();
        return frames;
    }

    /** Drops what was written and not yet decoded. */
    public void close() {
        for (Object out; (out = channel.readOutbound()) != null; ) {
            ReferenceCountUtil.release(out);
        }
        written.release();
    }

    /** An untracked UTF-8 payload. */
    public static ByteBuf utf8(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The payload of a unary request or response or a stream message, as text. */
    public static String text(SkeinFrame frame) {
        ByteBuf payload;
        if (frame instanceof SkeinFrame.StreamMessage m) {
            payload = m.payload();
        } else if (frame instanceof SkeinFrame.UnaryResponse r) {
            payload = r.payload();
        } else if (frame instanceof SkeinFrame.UnaryRequest r) {
            payload = r.payload();
        } else {
            throw new AssertionError("no payload in " + frame);
        }
        return payload.toString(StandardCharsets.UTF_8);
    }

    private static SkeinFrame copyOf(SkeinFrame f) {
        if (f instanceof SkeinFrame.StreamMessage m) {
            return new SkeinFrame.StreamMessage(m.streamId(), copy(m.payload()));
        }
        if (f instanceof SkeinFrame.UnaryResponse r) {
            return new SkeinFrame.UnaryResponse(r.streamId(), r.method(), r.status(), r.metadata(), copy(r.payload()));
        }
        if (f instanceof SkeinFrame.UnaryRequest r) {
            return new SkeinFrame.UnaryRequest(r.streamId(), r.method(), r.metadata(), r.timeoutMillis(),
                    copy(r.payload()));
        }
        return f;
    }

    private static ByteBuf copy(ByteBuf b) {
        return Unpooled.wrappedBuffer(ByteBufUtil.getBytes(b));
    }
}
