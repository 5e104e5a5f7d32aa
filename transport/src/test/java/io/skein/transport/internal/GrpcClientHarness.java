package io.skein.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallFuture;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientCallContext;
import io.skein.transport.MethodDescriptor;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.ClientCallHead;
import io.skein.transport.internal.call.ClientStream;
import io.skein.transport.internal.call.ClientTransport;
import io.skein.transport.internal.call.ClientUnaryCall;
import io.skein.transport.internal.connection.ClientProtocol;
import io.skein.transport.internal.grpc.GrpcClientProtocol;
import io.skein.transport.internal.testing.Http2Peer;
import io.skein.transport.internal.testing.Pump;
import io.skein.transport.internal.testing.Received;
import io.skein.transport.internal.testing.SingleTransport;
import io.skein.transport.testing.StringMarshaller;
import io.skein.transport.testing.TestServices;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The client end of one gRPC (HTTP/2) connection on an {@link EmbeddedChannel}, the test playing the
 * server with {@link Http2Peer}: the client's HTTP/2 frames out, the server's frames in. The
 * handshake is done when the harness is made. No actors: the handlers live on the event loop.
 *
 * <p>Porting seam: the only place that sets the connection up ({@link GrpcClientProtocol}, as
 * {@code EndpointPool} does), opens calls on its {@link ClientTransport} (as a call stage does) and
 * drives them through their {@link ClientStream}, and starts unary calls ({@link ClientUnaryCall}, as
 * {@code EndpointChannel} does). Tests speak HTTP/2 frames and {@link Received} events.
 */
final class GrpcClientHarness implements AutoCloseable {

    /**
     * One open call stream: the frames that opened it (its request headers), what it received, and the
     * stream its stage would drive.
     */
    record Call(int streamId, List<Http2Peer.Frame> request, RecordingCall recorder) {
        List<Received> received() {
            return recorder.received();
        }

        ClientStream wire() {
            return recorder.stream();
        }
    }

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Pump pump = new Pump(channel, null);
    private final Http2Peer peer = new Http2Peer(channel, false);
    private final TransportSettings settings;
    private final ClientProtocol protocol = new GrpcClientProtocol();
    private final ClientTransport transport;
    private int goAways;

    GrpcClientHarness(String hocon) {
        settings = TransportSettings.fromConfig(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()));
        channel.freezeTime();
        transport = protocol.install(channel, settings, () -> goAways++);
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
        // gRPC does not say the call kind on the wire: any streaming kind opens the same stream.
        transport.open(new ClientCallHead(method, CallKind.BIDI_STREAMING, Metadata.EMPTY, deadlineNanos,
                initialDemand), null, recorder);
        pump.runUntilIdle();
        if (recorder.stream() == null) {
            throw new AssertionError("the call was not opened: " + recorder.received());
        }
        return new Call(transport.connection().lastStreamId(), peer.receive(), recorder);
    }

    /** A unary call: its stream id and result. */
    record Unary(int streamId, CompletableFuture<String> result) {
    }

    /**
     * A unary call of {@code method}: request headers and one DATA frame that ends the request. Its
     * deadline ({@code timeoutMillis}, 0 for none) starts now, when its context is made.
     */
    Unary unary(String method, String request, long timeoutMillis) {
        MethodDescriptor<String, String> descriptor = TestServices.method(method, CallKind.UNARY);
        CallOptions options = timeoutMillis > 0 ? CallOptions.timeout(Duration.ofMillis(timeoutMillis))
                : CallOptions.DEFAULT;
        CallFuture<String> call = ClientUnaryCall.start(ClientCallContext.create(descriptor, options), descriptor,
                request, new SingleTransport(transport), protocol.maxMessageSize(settings), channel.eventLoop());
        pump.runUntilIdle();
        return new Unary(transport.connection().lastStreamId(), call);
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
        return transport.connection().isUsable();
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
