package io.skein.transport.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.protocols.frame.SkeinFrameCodec;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A blocking plain-socket peer for poking a server with raw bytes or hand-made {@link SkeinFrame}s.
 *
 * <p>Buffer discipline: every frame handed to {@link #write(SkeinFrame...)} is released after it is
 * encoded. Frames returned by the read methods carry payloads that are unpooled, untracked copies, so
 * callers need not release them (releasing is harmless).
 */
public final class RawClient implements AutoCloseable {

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code address} (blocking, 5 s connect timeout). */
    public static RawClient connect(InetSocketAddress address) {
        return connect(address, 0);
    }

    /**
     * Connects to {@code address} with a socket receive buffer of {@code receiveBufferBytes} (0: the
     * system's), so that a client that does not read backs answers up into the server sooner.
     */
    public static RawClient connect(InetSocketAddress address, int receiveBufferBytes) {
        Socket s = new Socket();
        try {
            if (receiveBufferBytes > 0) {
                s.setReceiveBufferSize(receiveBufferBytes);
            }
            s.setTcpNoDelay(true);
            s.connect(address, 5_000);
            return new RawClient(s);
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // nothing to do
            }
            throw new UncheckedIOException("cannot connect to " + address, e);
        }
    }

    /** The client's own address (the server's view of its peer). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** Writes raw bytes. */
    public RawClient writeBytes(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Encodes each frame with {@link SkeinFrameCodec#encode} and writes them in one go; releases the frames. */
    public RawClient write(SkeinFrame... frames) {
        return writeBytes(encode(frames));
    }

    /** The wire bytes of {@code frames}; releases the frames. */
    public static byte[] encode(SkeinFrame... frames) {
        ByteBuf buf = Unpooled.buffer();
        try {
            for (SkeinFrame f : frames) {
                try {
                    SkeinFrameCodec.encode(f, buf);
                } finally {
                    ReferenceCountUtil.release(f);
                }
            }
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /** The next frame; fails when none arrives within {@code limit} or the server closes the connection. */
    public SkeinFrame read(Duration limit) {
        try {
            socket.setSoTimeout((int) Math.max(1, limit.toMillis()));
            int length = in.readInt();
            byte[] frame = new byte[length + 4];
            ByteBuf wrapped = Unpooled.wrappedBuffer(frame);
            wrapped.setInt(0, length);
            in.readFully(frame, 4, length);
            SkeinFrame decoded = SkeinFrameCodec.decode(wrapped);
            try {
                return copyOf(decoded);
            } finally {
                ReferenceCountUtil.release(decoded);
                wrapped.release();
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no frame within " + limit, e);
        } catch (EOFException e) {
            throw new AssertionError("server closed the connection", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The next frame of type {@code type}, skipping {@link SkeinFrame.StreamCredit} and
     * {@link SkeinFrame.StreamHeaders} frames; fails on any other frame.
     */
    public <T extends SkeinFrame> T read(Class<T> type, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        for (;;) {
            Duration left = Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
            SkeinFrame f = read(left);
            if (type.isInstance(f)) {
                return type.cast(f);
            }
            if (!(f instanceof SkeinFrame.StreamCredit) && !(f instanceof SkeinFrame.StreamHeaders)) {
                throw new AssertionError("expected " + type.getSimpleName() + ", got " + f);
            }
        }
    }

    /**
     * Asserts that the server closes the connection within {@code limit}: reads (and discards) until
     * end of stream or a connection reset.
     */
    public void assertClosedWithin(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        byte[] sink = new byte[8192];
        try {
            InputStream raw = socket.getInputStream();
            for (;;) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("connection still open after " + limit);
                }
                socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
                if (raw.read(sink) < 0) {
                    return;
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("connection still open after " + limit, e);
        } catch (SocketException e) {
            return; // reset by the server: closed too
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** An unpooled (untracked) UTF-8 payload. */
    public static ByteBuf utf8(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The payload of a unary response or stream message as text. */
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
