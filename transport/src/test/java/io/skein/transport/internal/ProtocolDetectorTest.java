package io.skein.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.StatusCode;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.protocols.frame.SkeinFrameCodec;
import io.skein.protocols.frame.SkeinFrameDecoder;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.testing.AcceptedChannels;
import io.skein.transport.testing.RawClient;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.TestServices;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The accepted-connection pipeline ({@link ServerChannels#initAccepted}) on an {@link EmbeddedChannel}:
 * protocol detection, the installed codec, and the server handler, without sockets. Inbound bytes are
 * pooled (leak-tracked) buffers, so the pipeline must release every one of them.
 */
class ProtocolDetectorTest {

    private static final int MAX_FRAME = 4096;
    private static ActorTestKit testKit;
    private static NettyResources resources;

    private EmbeddedChannel channel;
    private final List<Connection> opened = new ArrayList<>();

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("ProtocolDetectorTest", Servers.config("""
                skein.transport.max-frame-size = %d
                skein.transport.handshake-timeout = 3s
                """.formatted(MAX_FRAME)));
        resources = NettyResources.get(testKit.system());
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        // Synchronous handlers only: the embedded event loop is the test thread.
        AcceptedChannels.init(channel, TestServices.echo().build(), resources, opened::add);
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private void writeInbound(byte[] bytes) {
        ByteBuf buf = channel.alloc().buffer(bytes.length); // pooled and tracked
        buf.writeBytes(bytes);
        channel.writeInbound(buf);
        channel.runPendingTasks();
    }

    /** The next frame the server wrote, decoded; releases the written buffer. */
    private SkeinFrame readOutboundFrame() {
        channel.runPendingTasks();
        ByteBuf written = channel.readOutbound();
        assertNotNull(written, "the server wrote nothing");
        try {
            SkeinFrame frame = SkeinFrameCodec.decode(written);
            try {
                if (frame instanceof SkeinFrame.UnaryResponse r) {
                    return new SkeinFrame.UnaryResponse(r.streamId(), r.method(), r.status(), r.metadata(),
                            RawClient.utf8(r.payload().toString(StandardCharsets.UTF_8)));
                }
                assertFalse(frame instanceof io.skein.protocols.frame.PayloadFrame, "unexpected payload frame");
                return frame;
            } finally {
                ReferenceCountUtil.release(frame);
            }
        } finally {
            written.release();
        }
    }

    private static byte[] echoRequest(int id, String text) {
        return RawClient.encode(new SkeinFrame.UnaryRequest(id, TestServices.ECHO, Metadata.EMPTY, 0, RawClient.utf8(text)));
    }

    @Test
    void ttheaderInstallsTheNativePipelineAndServes() {
        writeInbound(echoRequest(1, "hello"));
        assertNull(channel.pipeline().get("detector"), "the detector removes itself");
        assertInstanceOf(SkeinFrameDecoder.class, channel.pipeline().get("frame-decoder"));
        assertNotNull(channel.pipeline().get("frame-encoder"));
        assertNotNull(channel.pipeline().get("skein-server"), "the native server handler is installed");
        assertEquals(1, opened.size());

        SkeinFrame.UnaryResponse response = assertInstanceOf(SkeinFrame.UnaryResponse.class, readOutboundFrame());
        assertEquals(1, response.streamId());
        assertTrue(response.status().isOk(), response.status()::toString);
        assertEquals("hello", RawClient.text(response));
        assertTrue(channel.isOpen());
    }

    @Test
    void firstBytesSplitAcrossReadsAreDetectedOnceSixArrived() {
        byte[] frames = concat(echoRequest(1, "a"), echoRequest(3, "b"));
        writeInbound(slice(frames, 0, 3));
        assertNotNull(channel.pipeline().get("detector"), "decided on 3 bytes");
        assertNull(channel.readOutbound());
        writeInbound(slice(frames, 3, 5));
        assertNotNull(channel.pipeline().get("detector"), "decided on 5 bytes");
        writeInbound(slice(frames, 5, 6));
        assertNull(channel.pipeline().get("detector"));
        writeInbound(slice(frames, 6, frames.length));
        assertEquals("a", RawClient.text(readOutboundFrame()));
        assertEquals("b", RawClient.text(readOutboundFrame()));
        assertEquals(1, opened.size());
    }

    @Test
    void http2PrefaceSelectsTheGrpcPipeline() {
        writeInbound("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(channel.isOpen());
        assertNull(channel.pipeline().get("frame-decoder"));
        assertNotNull(channel.pipeline().get("http2-codec"));
        assertNotNull(channel.pipeline().get("http2-multiplex"));
        assertEquals(1, opened.size(), "the connection is handed to its actor");
        Object settings;
        while ((settings = channel.readOutbound()) != null) {
            io.netty.util.ReferenceCountUtil.release(settings); // the server's SETTINGS
        }
    }

    @Test
    void brokenHttp2PrefaceClosesTheConnection() {
        writeInbound("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertFalse(channel.isOpen());
        Object out;
        while ((out = channel.readOutbound()) != null) {
            io.netty.util.ReferenceCountUtil.release(out);
        }
    }

    @Test
    void unknownProtocolIsRejected() {
        writeInbound(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01}); // a TLS ClientHello
        assertFalse(channel.isOpen());
        assertTrue(opened.isEmpty());
    }

    @Test
    void silenceBeyondTheHandshakeTimeoutClosesTheConnection() {
        writeInbound(new byte[] {0, 0, 0}); // not enough to decide
        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen(), "closed before the handshake timeout");
        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertFalse(channel.isOpen());
    }

    @Test
    void detectedConnectionsHaveNoHandshakeTimeout() {
        writeInbound(echoRequest(1, "x"));
        readOutboundFrame();
        channel.advanceTimeBy(10, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen());
    }

    @Test
    void oversizedFrameClosesTheConnection() {
        byte[] big = RawClient.encode(new SkeinFrame.StreamMessage(1, RawClient.utf8("z".repeat(MAX_FRAME))));
        writeInbound(big);
        assertFalse(channel.isOpen());
        assertNull(channel.readOutbound());
        assertTrue(opened.get(0).isClosed());
    }

    @Test
    void serverOnlyFrameFromAClientClosesTheConnection() {
        writeInbound(echoRequest(1, "x"));
        readOutboundFrame();
        writeInbound(RawClient.encode(new SkeinFrame.StreamTrailers(3,
                io.skein.protocols.Status.of(StatusCode.OK), Metadata.EMPTY)));
        assertFalse(channel.isOpen());
    }

    @Test
    void clientGoAwayAndFramesOfUnknownStreamsAreIgnored() {
        writeInbound(concat(
                RawClient.encode(new SkeinFrame.GoAway(0, "client leaving")),
                RawClient.encode(new SkeinFrame.StreamMessage(41, RawClient.utf8("late"))),
                RawClient.encode(new SkeinFrame.StreamReset(43, StatusCode.CANCELLED, "late")),
                echoRequest(1, "still")));
        assertTrue(channel.isOpen());
        assertEquals("still", RawClient.text(readOutboundFrame()));
    }

    @Test
    void streamOpenOfUnknownMethodGetsTrailersUnimplemented() {
        writeInbound(RawClient.encode(new SkeinFrame.StreamOpen(1, "test.Nope/Nope", CallKind.BIDI_STREAMING,
                Metadata.EMPTY, 0, 4)));
        SkeinFrame.StreamTrailers trailers = assertInstanceOf(SkeinFrame.StreamTrailers.class, readOutboundFrame());
        assertEquals(StatusCode.UNIMPLEMENTED, trailers.status().code());
        assertTrue(channel.isOpen());
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    private static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }
}
