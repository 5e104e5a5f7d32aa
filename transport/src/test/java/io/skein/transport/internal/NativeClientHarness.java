package io.skein.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.netty.channel.embedded.EmbeddedChannel;
import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.CallFuture;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientCallContext;
import io.skein.transport.MethodDescriptor;
import io.skein.transport.ResponseMetadata;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.call.ClientCallHead;
import io.skein.transport.internal.call.ClientTransport;
import io.skein.transport.internal.call.ClientUnaryCall;
import io.skein.transport.internal.call.TransportSource;
import io.skein.transport.internal.connection.ClientProtocol;
import io.skein.transport.internal.nativeproto.KitexClientProtocol;
import io.skein.transport.internal.nativeproto.NativeClientProtocol;
import io.skein.transport.internal.testing.NativeWire;
import io.skein.transport.internal.testing.Pump;
import io.skein.transport.internal.testing.SingleTransport;
import io.skein.transport.testing.TestServices;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client end of one native-protocol connection on an {@link EmbeddedChannel}, the test playing
 * the server: the client's frames out, the server's frames in. No actors: the client handler and its
 * unary calls live on the event loop.
 *
 * <p>Porting seam: the only place that sets the connection up (its {@link ClientProtocol}, as
 * {@code EndpointPool} does), starts unary calls ({@link ClientUnaryCall}, as {@code EndpointChannel}
 * does, with this connection as its {@link TransportSource}) and opens streams
 * ({@link ClientTransport#open}, as a call stage does). The tests speak {@link SkeinFrame}s on the wire
 * and {@link RecordingCall}'s events.
 */
final class NativeClientHarness implements AutoCloseable {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Pump pump = new Pump(channel, null);
    private final NativeWire wire = new NativeWire(channel);
    private final TransportSettings settings;
    private final ClientProtocol protocol;
    private final ClientTransport transport;
    private int goAways;

    private final TransportSource source;

    /** A client connection to a Skein server ({@code skeinPeer}) or a Kitex server, with {@code hocon} settings. */
    NativeClientHarness(boolean skeinPeer, String hocon) {
        settings = TransportSettings.fromConfig(ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()));
        channel.freezeTime();
        protocol = skeinPeer ? new NativeClientProtocol() : new KitexClientProtocol();
        transport = protocol.install(channel, settings, () -> goAways++);
        source = new SingleTransport(transport);
    }

    /**
     * Starts a unary call of {@code method}; the future is the call (cancel it to cancel the call). Its
     * deadline ({@code timeoutMillis}, 0 for none) starts now, when its context is made.
     */
    CallFuture<String> unary(String method, String request, Metadata metadata, long timeoutMillis,
                             ResponseMetadata capture) {
        MethodDescriptor<String, String> descriptor = TestServices.method(method, CallKind.UNARY);
        CallOptions options = CallOptions.DEFAULT.withMetadata(metadata);
        if (timeoutMillis > 0) {
            options = options.withTimeout(Duration.ofMillis(timeoutMillis));
        }
        if (capture != null) {
            options = options.withResponseMetadata(capture);
        }
        CallFuture<String> call = ClientUnaryCall.start(ClientCallContext.create(descriptor, options), descriptor,
                request, source, protocol.maxMessageSize(settings), channel.eventLoop());
        pump.runUntilIdle();
        return call;
    }

    CallFuture<String> unary(String method, String request) {
        return unary(method, request, Metadata.EMPTY, 0, null);
    }

    /** Opens a stream whose events a {@link RecordingCall} records: its StreamOpen goes out. */
    RecordingCall openStream(String method, CallKind kind, int window) {
        RecordingCall call = new RecordingCall();
        transport.open(new ClientCallHead(method, kind, Metadata.EMPTY, 0, window), null, call);
        pump.runUntilIdle();
        if (call.stream() == null) {
            throw new AssertionError("the stream was not opened: " + call.received());
        }
        return call;
    }

    /** The call is over on this side: it lets go of its stream, as a call stage does when it stops. */
    void endCall(RecordingCall call) {
        call.stream().detach(call);
        pump.runUntilIdle();
    }

    /** The server sends {@code frames} in one read. */
    void serverSends(SkeinFrame... frames) {
        wire.send(frames);
        pump.runUntilIdle();
    }

    /** The server sends raw bytes. */
    void serverSendsBytes(byte[] bytes) {
        wire.sendBytes(bytes);
        pump.runUntilIdle();
    }

    /** Everything the client wrote since the last look. */
    List<SkeinFrame> written() {
        pump.runUntilIdle();
        return wire.receive();
    }

    void assertNothingWritten() {
        assertEquals(List.of(), written(), "the client wrote");
    }

    /** How many GOAWAYs the client reported to its pool. */
    int goAwaysReported() {
        return goAways;
    }

    /** Whether the pool would still start calls on this connection. */
    boolean takesNewCalls() {
        return transport.connection().isUsable();
    }

    boolean isOpen() {
        return channel.isOpen();
    }

    /** Moves the event loop's clock (unary deadlines) and runs what became due. */
    void advanceTime(Duration by) {
        channel.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
        pump.runUntilIdle();
    }

    /** The channel goes away (the server closed it, or the network failed). */
    void closeChannel() {
        channel.close();
        pump.runUntilIdle();
    }

    @Override
    public void close() {
        closeChannel();
        written();
        channel.finishAndReleaseAll();
        wire.close();
    }
}
