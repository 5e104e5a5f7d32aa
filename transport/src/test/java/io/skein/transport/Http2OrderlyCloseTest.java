package io.skein.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.Await;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 connection errors on a real loopback socket: the client can read the server's GOAWAY, with its
 * error code and reason, and then sees an orderly end of stream (FIN), not a TCP reset, even while it
 * is still sending: the server shuts its output down after the GOAWAY and reads and discards the rest
 * instead of closing with unread input (RFC 9113 section 5.4.1).
 */
class Http2OrderlyCloseTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int GOAWAY = 0x7;

    private static ActorTestKit testKit;
    private static RpcServer server;

    @BeforeAll
    static void start() {
        // A drain longer than the test lets the server wait: the client must see the server's FIN at once.
        testKit = ActorTestKit.create("Http2OrderlyCloseTest", Servers.config("skein.grpc.close-drain-timeout = 30s"));
        server = Servers.start(testKit.system(), TestServices.echo().build());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            Await.result(server.shutdown(Duration.ofSeconds(1)), Servers.TIMEOUT);
        }
        testKit.shutdownTestKit();
    }

    record Frame(int type, int flags, int streamId, byte[] payload) {
        long errorCode() {
            return ((payload[4] & 0xffL) << 24) | ((payload[5] & 0xff) << 16) | ((payload[6] & 0xff) << 8) | (payload[7] & 0xff);
        }

        String debugData() {
            return new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8);
        }
    }

    /** A frame header announcing {@code length} bytes. */
    private static byte[] frameHeader(int length, int type, int flags, int streamId) {
        return new byte[] {(byte) (length >>> 16), (byte) (length >>> 8), (byte) length, (byte) type, (byte) flags,
                (byte) (streamId >>> 24), (byte) (streamId >>> 16), (byte) (streamId >>> 8), (byte) streamId};
    }

    /** Reads frames until the server ends the stream; fails on a reset or when it does not end within LIMIT. */
    private static List<Frame> readUntilEndOfStream(Socket socket) throws IOException {
        socket.setSoTimeout((int) LIMIT.toMillis());
        DataInputStream in = new DataInputStream(socket.getInputStream());
        List<Frame> frames = new ArrayList<>();
        byte[] header = new byte[9];
        try {
            while (true) {
                int first = in.read();
                if (first < 0) {
                    return frames; // FIN: an orderly end
                }
                header[0] = (byte) first;
                in.readFully(header, 1, 8);
                int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
                byte[] payload = new byte[length];
                in.readFully(payload);
                int streamId = ((header[5] & 0x7f) << 24) | ((header[6] & 0xff) << 16) | ((header[7] & 0xff) << 8)
                        | (header[8] & 0xff);
                frames.add(new Frame(header[3] & 0xff, header[4] & 0xff, streamId, payload));
            }
        } catch (EOFException e) {
            throw new AssertionError("the server ended the stream inside a frame; read " + frames, e);
        } catch (SocketException e) {
            throw new AssertionError("the server reset the connection (" + e.getMessage() + "); read before: "
                    + frames, e);
        }
    }

    private static Frame goAway(List<Frame> frames) {
        List<Frame> goAways = frames.stream().filter(f -> f.type() == GOAWAY).toList();
        assertEquals(1, goAways.size(), () -> "GOAWAY frames: " + goAways);
        return goAways.get(0);
    }

    @Test
    void aClientStillSendingReadsTheGoAwayAndThenAnOrderlyEndOfStream() throws Exception {
        InetSocketAddress address = server.localAddress();
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream first = new ByteArrayOutputStream();
            first.write(PREFACE);
            first.write(frameHeader(0, 0x4, 0, 0)); // SETTINGS
            first.write(frameHeader(16_385, 0x0, 0, 1)); // DATA beyond SETTINGS_MAX_FRAME_SIZE
            out.write(first.toByteArray());
            out.flush();
            // Keep sending while the server fails the connection: input it has not read when it gives up.
            AtomicLong sent = new AtomicLong();
            Thread writer = new Thread(() -> {
                byte[] junk = new byte[16 * 1024];
                try {
                    for (int i = 0; i < 256; i++) {
                        out.write(junk);
                        sent.addAndGet(junk.length);
                    }
                } catch (IOException e) {
                    // the server closed its side for good; the reader below tells how
                }
            }, "orderly-close-writer");
            writer.start();
            List<Frame> frames = readUntilEndOfStream(socket);
            Frame goAway = goAway(frames);
            assertEquals(0x6, goAway.errorCode(), () -> "FRAME_SIZE_ERROR expected, got " + goAway.errorCode());
            assertTrue(goAway.debugData().contains("16385"), goAway::debugData);
            writer.join(LIMIT.toMillis());
            assertTrue(sent.get() > 0, "the client could go on sending after the error");
        }
        Servers.assertServing(server.localAddress());
    }

    @Test
    void aConnectionErrorWithUnreadInputStillReachesTheClient() throws Exception {
        InetSocketAddress address = server.localAddress();
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            OutputStream out = socket.getOutputStream();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.write(PREFACE);
            bytes.write(frameHeader(0, 0x4, 0, 0));
            bytes.write(frameHeader(8, 0x6, 0, 1)); // PING on a stream: PROTOCOL_ERROR
            bytes.write(new byte[8]);
            bytes.write(new byte[256 * 1024]); // in flight behind it, never to be parsed
            out.write(bytes.toByteArray());
            out.flush();
            Frame goAway = goAway(readUntilEndOfStream(socket));
            assertEquals(0x1, goAway.errorCode(), () -> "PROTOCOL_ERROR expected, got " + goAway.errorCode());
        }
    }

    @Test
    void aBrokenPrefaceIsAnsweredWithGoAwayAndAnOrderlyEnd() throws Exception {
        InetSocketAddress address = server.localAddress();
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[64 * 1024]);
            out.flush();
            Frame goAway = goAway(readUntilEndOfStream(socket));
            assertEquals(0x1, goAway.errorCode());
            assertTrue(goAway.debugData().contains("preface"), goAway::debugData);
        }
    }
}
