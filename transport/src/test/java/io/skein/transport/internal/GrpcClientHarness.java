package io.skein.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.skein.protocols.Metadata;
import io.skein.protocols.StatusCode;
import io.skein.protocols.grpc.GrpcCompression;
import io.skein.protocols.grpc.GrpcMessageFramer;
import io.skein.protocols.grpc.GrpcRequestHeaders;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.testing.Http2Peer;
import io.skein.transport.internal.testing.Pump;
import io.skein.transport.internal.testing.Received;
import io.skein.transport.testing.StringMarshaller;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The client end of one gRPC (HTTP/2) connection on an {@link EmbeddedChannel}, the test playing the
 * server with {@link Http2Peer}: the client's HTTP/2 frames out, the server's frames in. The
 * handshake is done when the harness is made. No actors: the handlers live on the event loop.
 *
 * <p>Porting seam: the only place that builds the client pipeline ({@link GrpcClientPipeline}, as
 * {@link EndpointPool} does), opens call streams with a {@link GrpcClientStreamHandler} (as the
 * {@link CallOpener} of {@link GrpcClientCalls#stream} does) and drives them through their
 * {@link CallWire}, and starts unary calls (as {@link GrpcClientCalls#unary} does). Tests speak HTTP/2
 * frames and {@link Received} events.
 */
final class GrpcClientHarness implements AutoCloseable {

    /**
     * One open call stream: the frames that opened it (its request headers), what it received, and the
     * wire its stage would drive.
     */
    record Call(int streamId, List<Http2Peer.Frame> request, RecordingCall recorder, CallWire wire) {
        List<Received> received() {
            return recorder.received();
        }
    }

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Pump pump = new Pump(channel, null);
    private final Http2Peer peer = new Http2Peer(channel, false);
    private final TransportSettings settings;
    private final Connection connection;
    private int goAways;

    GrpcClientHarness(String hocon) {
        settings = TransportSettings.fromConfig(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()));
        channel.freezeTime();
        connection = new Connection(channel, settings, Integer.MAX_VALUE, false);
        GrpcClientPipeline.install(channel, connection, settings, () -> goAways++);
        pump.runUntilIdle();
        peer.preface(Http2Settings.defaultSettings());
        pump.runUntilIdle();
        List<Http2Peer.Frame> handshake = peer.receive();
        if (handshake.stream().noneMatch(f -> f instanceof Http2Peer.Settings)) {
            throw new AssertionError("no SETTINGS from the client: " + handshake);
        }
        peer.settingsAck();
        pump.runUntilIdle();
        peer.receive(); // the ACK of our SETTINGS, the connection window
    }

    /**
     * Opens a call stream of {@code method} and writes its request headers; {@code initialDemand} is how
     * many messages it reads before any grant, {@code deadlineNanos} its deadline ({@link System#nanoTime()},
     * 0 for none).
     */
    Call open(String method, int initialDemand, long deadlineNanos) {
        RecordingCall recorder = new RecordingCall();
        GrpcClientStreamHandler handler = new GrpcClientStreamHandler(recorder, settings.grpc(), initialDemand,
                deadlineNanos);
        Http2StreamChannel stream = openStream(handler);
        CallWire wire = new GrpcClientCallWire(stream, settings, handler);
        stream.writeAndFlush(new DefaultHttp2HeadersFrame(requestHeaders(method), false));
        recorder.onOpened(wire);
        pump.runUntilIdle();
        return new Call(stream.stream().id(), peer.receive(), recorder, wire);
    }

    /** A unary call: its stream id and result. */
    record Unary(int streamId, CompletableFuture<String> result) {
    }

    /** A unary call of {@code method}: request headers and one DATA frame that ends the request. */
    Unary unary(String method, String request, long timeoutMillis) {
        GrpcClientUnaryCall<String> call = new GrpcClientUnaryCall<>(method, StringMarshaller.INSTANCE, null);
        GrpcClientStreamHandler handler = new GrpcClientStreamHandler(call, settings.grpc(), Integer.MAX_VALUE,
                timeoutMillis > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis) : 0);
        Http2StreamChannel stream = openStream(handler);
        call.attach(stream, timeoutMillis, timeoutMillis);
        ByteBuf framed = new GrpcMessageFramer(ByteBufAllocator.DEFAULT, GrpcCompression.IDENTITY,
                settings.grpc().maxMessageSize()).frame(StringMarshaller.INSTANCE.serialize(request,
                ByteBufAllocator.DEFAULT));
        stream.write(new DefaultHttp2HeadersFrame(requestHeaders(method), false));
        stream.writeAndFlush(new DefaultHttp2DataFrame(framed, true));
        pump.runUntilIdle();
        return new Unary(stream.stream().id(), call);
    }

    private Http2StreamChannel openStream(GrpcClientStreamHandler handler) {
        var opened = new Http2StreamChannelBootstrap(channel).option(ChannelOption.AUTO_READ, false).handler(handler)
                .open();
        pump.runUntilIdle();
        if (!opened.isSuccess()) {
            throw new AssertionError("cannot open a stream", opened.cause());
        }
        return opened.getNow();
    }

    private static Http2Headers requestHeaders(String method) {
        return GrpcRequestHeaders.builder(method).authority("localhost:1").metadata(Metadata.EMPTY).build();
    }

    /** The call's consumer wants {@code messages} more (what its stage grants). */
    void grant(Call call, int messages) {
        call.wire().grant(messages);
        pump.runUntilIdle();
    }

    /** The call sends one request message. */
    void send(Call call, String message) {
        call.wire().sendMessage(StringMarshaller.INSTANCE.serialize(message, call.wire().alloc()));
        pump.runUntilIdle();
    }

    void halfClose(Call call) {
        call.wire().halfClose();
        pump.runUntilIdle();
    }

    /** The call is cancelled on this side. */
    void cancel(Call call) {
        call.wire().reset(StatusCode.CANCELLED, "cancelled by client");
        pump.runUntilIdle();
    }

    // ---- the server's side

    void headers(int streamId, Http2Headers headers, boolean endStream) {
        peer.headers(streamId, headers, endStream);
        pump.runUntilIdle();
    }

    /** DATA carrying {@code data}; takes it. */
    void data(int streamId, ByteBuf data, boolean endStream) {
        peer.data(streamId, data, endStream);
        pump.runUntilIdle();
    }

    void rst(int streamId, Http2Error error) {
        peer.rst(streamId, error);
        pump.runUntilIdle();
    }

    void goAway(int lastStreamId) {
        peer.goAway(lastStreamId, Http2Error.NO_ERROR);
        pump.runUntilIdle();
    }

    /** Everything the client wrote since the last look. */
    List<Http2Peer.Frame> written() {
        pump.runUntilIdle();
        return peer.receive();
    }

    void assertNothingWritten() {
        assertEquals(List.of(), written(), "the client wrote");
    }

    int goAwaysReported() {
        return goAways;
    }

    boolean takesNewCalls() {
        return connection.isUsable();
    }

    boolean isOpen() {
        return channel.isOpen();
    }

    void closeChannel() {
        channel.close();
        pump.runUntilIdle();
    }

    @Override
    public void close() {
        closeChannel();
        channel.finishAndReleaseAll();
        peer.close();
    }
}
