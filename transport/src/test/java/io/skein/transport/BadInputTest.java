package io.skein.transport;

import static io.skein.transport.testing.TestServices.codeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.protocols.frame.SkeinFrameCodec;
import io.skein.protocols.frame.SkeinKeys;
import io.skein.protocols.ttheader.IntKey;
import io.skein.protocols.ttheader.TTHeader;
import io.skein.testing.Await;
import io.skein.transport.testing.RawClient;
import io.skein.transport.testing.Servers;
import io.skein.transport.testing.StringMarshaller;
import io.skein.transport.testing.TestServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input on a live server: every case ends in a defined outcome, and afterwards the server still
 * serves a call on a new connection. Leaks fail the class (protocols' LeakDetectionExtension).
 */
class BadInputTest {

    private static final Duration LIMIT = Duration.ofSeconds(5);
    private static final int MAX_FRAME = 64 * 1024;
    private static final int WINDOW = 8;

    static final String CAPTURE = "test.Bad/Capture";
    static final String STALL = "test.Bad/Stall";
    static final String BIG = "test.Bad/Big";

    private static final BlockingQueue<CallContext> contexts = new LinkedBlockingQueue<>();
    private static ActorTestKit testKit;
    private static RpcServer server;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("BadInputTest", Servers.config("""
                skein.transport.max-frame-size = 64 KiB
                skein.transport.stream-window = %d
                skein.client.connections-per-endpoint = 1
                """.formatted(WINDOW)));
        server = Servers.start(testKit.system(), registry());
    }

    static MethodRegistry registry() {
        return TestServices.echo()
                .bidi(CAPTURE, (requests, ctx) -> {
                    contexts.add(ctx);
                    return requests;
                })
                .bidi(STALL, (requests, ctx) -> {
                    contexts.add(ctx);
                    // Takes one request and never finishes with it: no further demand.
                    return requests.mapAsync(1, r -> new CompletableFuture<String>());
                })
                .unary(BIG, (req, ctx) -> CompletableFuture.completedFuture("x".repeat(MAX_FRAME + 1)))
                .build();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            Await.result(server.shutdown(Duration.ofSeconds(1)), Servers.TIMEOUT);
        }
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void clear() {
        contexts.clear();
    }

    // ------------------------------------------------------------ connection-fatal input

    @Test
    void garbageFirstBytesCloseTheConnection() {
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            raw.writeBytes("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            raw.assertClosedWithin(LIMIT);
        }
        Servers.assertServing(server.localAddress());
    }

    @Test
    void brokenHttp2PrefaceClosesTheConnection() {
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            raw.writeBytes("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            raw.assertClosedWithin(LIMIT);
        }
        Servers.assertServing(server.localAddress());
    }

    @Test
    void wrongMagicAfterAValidFrameClosesTheConnection() {
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            raw.write(new SkeinFrame.UnaryRequest(1, TestServices.ECHO, Metadata.EMPTY, 0, RawClient.utf8("a")));
            assertEquals("a", RawClient.text(raw.read(SkeinFrame.UnaryResponse.class, LIMIT)));
            // The detector is gone now; the frame decoder itself must reject a bad magic.
            raw.writeBytes(new byte[] {0, 0, 0, 16, 0x20, 0x20, 0, 0, 0, 0, 0, 3, 0, 1, 0, 0, 0, 0, 0, 0});
            raw.assertClosedWithin(LIMIT);
        }
        Servers.assertServing(server.localAddress());
    }

    @Test
    void frameLongerThanMaxFrameSizeClosesTheConnection() {
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            // LENGTH + 4 = MAX_FRAME + 4 > max-frame-size; only the fixed header is ever sent.
            ByteBuf header = Unpooled.buffer(16);
            header.writeInt(MAX_FRAME).writeShort(TTHeader.MAGIC).writeShort(0).writeInt(1).writeShort(1)
                    .writeByte(0).writeByte(0);
            raw.writeBytes(ByteBufUtil.getBytes(header));
            header.release();
            raw.assertClosedWithin(LIMIT);
        }
        Servers.assertServing(server.localAddress());
    }

    @Test
    void frameLongerThanMaxFrameSizeFollowedByItsBodyClosesTheConnection() {
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            ByteBuf buf = Unpooled.buffer();
            SkeinFrameCodec.encode(new SkeinFrame.StreamMessage(1, RawClient.utf8("y".repeat(MAX_FRAME))), buf);
            byte[] bytes = ByteBufUtil.getBytes(buf);
            buf.release();
            try {
                raw.writeBytes(bytes);
            } catch (RuntimeException e) {
                // The server may reset the connection while we are still writing: closed either way.
            }
            raw.assertClosedWithin(LIMIT);
        }
        Servers.assertServing(server.localAddress());
    }

    static Stream<Arguments> malformedFrames() {
        return Stream.of(
                Arguments.of("header size past the end of the frame", headerSizePastEnd()),
                Arguments.of("stream frame missing its type key", streamFrameWithoutType()),
                Arguments.of("stream open missing its call kind", streamOpenWithoutKind()),
                Arguments.of("unknown info section id", unknownInfoId()),
                Arguments.of("LENGTH shorter than the minimum frame", new byte[] {0, 0, 0, 2, 0x10, 0, 0, 0}),
                Arguments.of("unsupported transform", transform()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedFrames")
    void malformedFrameClosesTheConnection(String description, byte[] bytes) {
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            raw.writeBytes(bytes);
            raw.assertClosedWithin(LIMIT);
        }
        Servers.assertServing(server.localAddress());
    }

    @Test
    void malformedFrameMidConnectionEndsItsCallsWithUnavailable() {
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            raw.write(new SkeinFrame.StreamOpen(3, CAPTURE, CallKind.BIDI_STREAMING, Metadata.EMPTY, 0, WINDOW));
            raw.read(SkeinFrame.StreamCredit.class, LIMIT);
            CallContext ctx = poll();
            raw.writeBytes(streamFrameWithoutType());
            raw.assertClosedWithin(LIMIT);
            assertEquals(StatusCode.UNAVAILABLE, Await.result(ctx.termination(), LIMIT).code());
        }
        awaitNoActiveCalls();
        Servers.assertServing(server.localAddress());
    }

    // ------------------------------------------------------------ per-call errors, connection stays

    @Test
    void unknownUnaryMethodIsUnimplementedAndTheConnectionStaysOpen() {
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            raw.write(new SkeinFrame.UnaryRequest(1, "test.Nope/Missing", Metadata.EMPTY, 0, RawClient.utf8("x")));
            SkeinFrame.UnaryResponse refused = raw.read(SkeinFrame.UnaryResponse.class, LIMIT);
            assertEquals(1, refused.streamId());
            assertEquals(StatusCode.UNIMPLEMENTED, refused.status().code());

            raw.write(new SkeinFrame.UnaryRequest(3, TestServices.ECHO, Metadata.EMPTY, 0, RawClient.utf8("again")));
            SkeinFrame.UnaryResponse ok = raw.read(SkeinFrame.UnaryResponse.class, LIMIT);
            assertEquals(3, ok.streamId());
            assertTrue(ok.status().isOk(), ok.status()::toString);
            assertEquals("again", RawClient.text(ok));
        }
        Servers.assertServing(server.localAddress());
    }

    @Test
    void unknownStreamMethodIsUnimplementedAndTheConnectionStaysOpen() {
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            raw.write(new SkeinFrame.StreamOpen(5, "test.Nope/Missing", CallKind.BIDI_STREAMING, Metadata.EMPTY, 0, 4));
            SkeinFrame.StreamTrailers refused = raw.read(SkeinFrame.StreamTrailers.class, LIMIT);
            assertEquals(5, refused.streamId());
            assertEquals(StatusCode.UNIMPLEMENTED, refused.status().code());

            // A stream open of a unary method is refused the same way.
            raw.write(new SkeinFrame.StreamOpen(7, TestServices.ECHO, CallKind.BIDI_STREAMING, Metadata.EMPTY, 0, 4));
            assertEquals(StatusCode.UNIMPLEMENTED, raw.read(SkeinFrame.StreamTrailers.class, LIMIT).status().code());

            raw.write(new SkeinFrame.UnaryRequest(9, TestServices.ECHO, Metadata.EMPTY, 0, RawClient.utf8("still")));
            assertEquals("still", RawClient.text(raw.read(SkeinFrame.UnaryResponse.class, LIMIT)));
        }
        awaitNoActiveCalls();
        Servers.assertServing(server.localAddress());
    }

    @Test
    void undecodableUnaryPayloadIsInvalidArgument() {
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            raw.write(new SkeinFrame.UnaryRequest(1, TestServices.ECHO, Metadata.EMPTY, 0,
                    RawClient.utf8(StringMarshaller.POISON)));
            SkeinFrame.UnaryResponse bad = raw.read(SkeinFrame.UnaryResponse.class, LIMIT);
            assertEquals(StatusCode.INVALID_ARGUMENT, bad.status().code());

            raw.write(new SkeinFrame.UnaryRequest(3, TestServices.ECHO, Metadata.EMPTY, 0, RawClient.utf8("fine")));
            assertEquals("fine", RawClient.text(raw.read(SkeinFrame.UnaryResponse.class, LIMIT)));
        }
        Servers.assertServing(server.localAddress());
    }

    @Test
    void undecodableStreamMessageIsInvalidArgument() {
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            raw.write(new SkeinFrame.StreamOpen(3, CAPTURE, CallKind.BIDI_STREAMING, Metadata.EMPTY, 0, WINDOW));
            SkeinFrame.StreamCredit credit = raw.read(SkeinFrame.StreamCredit.class, LIMIT);
            assertEquals(WINDOW, credit.credits());
            CallContext ctx = poll();
            raw.write(new SkeinFrame.StreamMessage(3, RawClient.utf8(StringMarshaller.POISON)));
            SkeinFrame.StreamTrailers trailers = raw.read(SkeinFrame.StreamTrailers.class, LIMIT);
            assertEquals(StatusCode.INVALID_ARGUMENT, trailers.status().code());
            assertEquals(StatusCode.INVALID_ARGUMENT, Await.result(ctx.termination(), LIMIT).code());

            raw.write(new SkeinFrame.UnaryRequest(5, TestServices.ECHO, Metadata.EMPTY, 0, RawClient.utf8("fine")));
            assertEquals("fine", RawClient.text(raw.read(SkeinFrame.UnaryResponse.class, LIMIT)));
        }
        awaitNoActiveCalls();
        Servers.assertServing(server.localAddress());
    }

    @Test
    void undecodablePayloadsThroughTheRealClientAreInvalidArgument() {
        try (EndpointChannel channel = EndpointChannel.create(testKit.system(), server.localAddress())) {
            var echo = TestServices.method(TestServices.ECHO, CallKind.UNARY);
            Throwable unary = Await.failure(channel.unary(echo, StringMarshaller.POISON, CallOptions.DEFAULT), LIMIT);
            assertEquals(StatusCode.INVALID_ARGUMENT, codeOf(unary));

            var chat = TestServices.method(TestServices.CHAT, CallKind.BIDI_STREAMING);
            Throwable stream = Await.failure(Source.single(StringMarshaller.POISON)
                    .via(channel.stream(chat, CallOptions.DEFAULT))
                    .runWith(Sink.seq(), testKit.system()), LIMIT);
            assertEquals(StatusCode.INVALID_ARGUMENT, codeOf(stream));

            assertEquals("ok", Await.result(channel.unary(echo, "ok", CallOptions.DEFAULT), LIMIT));
        }
    }

    @Test
    void oversizedMessagesThroughTheRealClientAreResourceExhaustedWithoutClosingTheConnection() {
        RpcServer own = Servers.start(testKit.system(), registry());
        try (EndpointChannel channel = EndpointChannel.create(testKit.system(), own.localAddress())) {
            var echo = TestServices.method(TestServices.ECHO, CallKind.UNARY);
            assertEquals("warm", Await.result(channel.unary(echo, "warm", CallOptions.DEFAULT), LIMIT));
            assertEquals(1, Servers.load(own).connections());
            String big = "x".repeat(MAX_FRAME + 1);

            Throwable unary = Await.failure(channel.unary(echo, big, CallOptions.DEFAULT), LIMIT);
            assertEquals(StatusCode.RESOURCE_EXHAUSTED, codeOf(unary));

            var chat = TestServices.method(TestServices.CHAT, CallKind.BIDI_STREAMING);
            Throwable stream = Await.failure(Source.from(List.of("small", big))
                    .via(channel.stream(chat, CallOptions.DEFAULT))
                    .runWith(Sink.seq(), testKit.system()), LIMIT);
            assertEquals(StatusCode.RESOURCE_EXHAUSTED, codeOf(stream));

            // A response over the limit fails its call on the server, not the connection.
            var bigMethod = TestServices.method(BIG, CallKind.UNARY);
            Throwable response = Await.failure(channel.unary(bigMethod, "please", CallOptions.DEFAULT), LIMIT);
            assertEquals(StatusCode.RESOURCE_EXHAUSTED, codeOf(response));

            assertEquals("after", Await.result(channel.unary(echo, "after", CallOptions.DEFAULT), LIMIT));
            assertEquals(1, Servers.load(own).connections(), "the connection was replaced");
            Await.until(LIMIT, () -> Servers.load(own).activeCalls() == 0, () -> "no active calls");
        } finally {
            Await.result(own.shutdown(Duration.ofSeconds(1)), Servers.TIMEOUT);
        }
    }

    // ------------------------------------------------------------ peers misbehaving mid-stream

    @Test
    void peerVanishingMidStreamEndsTheCallWithUnavailable() {
        CallContext ctx;
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            raw.write(new SkeinFrame.StreamOpen(3, CAPTURE, CallKind.BIDI_STREAMING, Metadata.EMPTY, 0, WINDOW));
            raw.read(SkeinFrame.StreamCredit.class, LIMIT);
            raw.write(new SkeinFrame.StreamMessage(3, RawClient.utf8("hello")));
            assertEquals("hello", RawClient.text(raw.read(SkeinFrame.StreamMessage.class, LIMIT)));
            ctx = poll();
            assertTrue(!ctx.isDone(), "call ended early: " + ctx.termination());
            Await.until(LIMIT, () -> Servers.load(server).activeCalls() == 1, () -> "one active call");
        } // vanishes: closed without half-close, reset or trailers
        Status status = Await.result(ctx.termination(), LIMIT);
        assertEquals(StatusCode.UNAVAILABLE, status.code(), status::toString);
        awaitNoActiveCalls();
        Servers.assertServing(server.localAddress());
    }

    @Test
    void sendingMoreMessagesThanCreditsEndsTheStreamWithResourceExhausted() {
        try (RawClient raw = RawClient.connect(server.localAddress())) {
            raw.write(new SkeinFrame.StreamOpen(3, STALL, CallKind.BIDI_STREAMING, Metadata.EMPTY, 0, WINDOW));
            SkeinFrame.StreamCredit credit = raw.read(SkeinFrame.StreamCredit.class, LIMIT);
            assertEquals(WINDOW, credit.credits());
            CallContext ctx = poll();
            SkeinFrame[] flood = new SkeinFrame[WINDOW * 4];
            for (int i = 0; i < flood.length; i++) {
                flood[i] = new SkeinFrame.StreamMessage(3, RawClient.utf8("m" + i));
            }
            raw.write(flood);
            SkeinFrame.StreamTrailers trailers = raw.read(SkeinFrame.StreamTrailers.class, LIMIT);
            assertEquals(3, trailers.streamId());
            assertEquals(StatusCode.RESOURCE_EXHAUSTED, trailers.status().code(), trailers.status()::toString);
            assertEquals(StatusCode.RESOURCE_EXHAUSTED, Await.result(ctx.termination(), LIMIT).code());

            // The connection itself survives the violation.
            raw.write(new SkeinFrame.UnaryRequest(5, TestServices.ECHO, Metadata.EMPTY, 0, RawClient.utf8("fine")));
            assertEquals("fine", RawClient.text(raw.read(SkeinFrame.UnaryResponse.class, LIMIT)));
        }
        awaitNoActiveCalls();
        Servers.assertServing(server.localAddress());
    }

    // ------------------------------------------------------------ helpers

    private static CallContext poll() {
        try {
            CallContext ctx = contexts.poll(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(ctx, "the handler was not called");
            return ctx;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void awaitNoActiveCalls() {
        Await.until(LIMIT, () -> Servers.load(server).activeCalls() == 0, () -> "no active calls on the server");
    }

    private static byte[] frame(java.util.function.Consumer<ByteBuf> headerWriter, int flags) {
        ByteBuf buf = Unpooled.buffer();
        try {
            int start = TTHeader.writeFixedHeader(buf, flags, 3, SkeinFrameCodec.WIRE_PROTOCOL_ID);
            headerWriter.accept(buf);
            TTHeader.finishHeader(buf, start);
            TTHeader.finishFrame(buf, start);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    static byte[] headerSizePastEnd() {
        byte[] bytes = frame(buf -> {
            TTHeader.writeInfoHeader(buf, TTHeader.INFO_INTKV, 1);
            TTHeader.writeIntKv(buf, SkeinKeys.FRAME_TYPE, SkeinKeys.TYPE_STREAM_HALF_CLOSE);
        }, 0);
        bytes[12] = 0x00;
        bytes[13] = (byte) 0xFF; // 255 words of header in a 26-byte frame
        return bytes;
    }

    static byte[] streamFrameWithoutType() {
        return frame(buf -> {
            TTHeader.writeInfoHeader(buf, TTHeader.INFO_INTKV, 3);
            TTHeader.writeIntKv(buf, SkeinKeys.CALL_KIND, 3);
            TTHeader.writeIntKv(buf, SkeinKeys.CREDITS, 8);
            TTHeader.writeIntKv(buf, IntKey.TO_METHOD, "Chat");
        }, 0);
    }

    static byte[] streamOpenWithoutKind() {
        return frame(buf -> {
            TTHeader.writeInfoHeader(buf, TTHeader.INFO_STRKV, 1);
            TTHeader.writeStrKv(buf, "isn", "test.Bad");
            TTHeader.writeInfoHeader(buf, TTHeader.INFO_INTKV, 3);
            TTHeader.writeIntKv(buf, SkeinKeys.FRAME_TYPE, SkeinKeys.TYPE_STREAM_OPEN);
            TTHeader.writeIntKv(buf, SkeinKeys.CREDITS, 8);
            TTHeader.writeIntKv(buf, IntKey.TO_METHOD, "Capture");
        }, 0);
    }

    static byte[] unknownInfoId() {
        return frame(buf -> {
            buf.writeByte(0x7F);
            buf.writeShort(0);
        }, 0);
    }

    static byte[] transform() {
        byte[] bytes = frame(buf -> {
            TTHeader.writeInfoHeader(buf, TTHeader.INFO_INTKV, 1);
            TTHeader.writeIntKv(buf, SkeinKeys.FRAME_TYPE, SkeinKeys.TYPE_STREAM_HALF_CLOSE);
        }, 0);
        bytes[15] = 1; // one transform (its id is the INTKV byte that follows)
        return bytes;
    }
}
