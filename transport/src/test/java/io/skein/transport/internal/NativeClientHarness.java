package io.skein.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.skein.protocols.CallKind;
import io.skein.protocols.Metadata;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.transport.ResponseMetadata;
import io.skein.transport.TransportSettings;
import io.skein.transport.internal.testing.NativeWire;
import io.skein.transport.internal.testing.Pump;
import io.skein.transport.testing.StringMarshaller;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The client end of one native-protocol connection on an {@link EmbeddedChannel}, the test playing
 * the server: the client's frames out, the server's frames in. No actors: the client handler and its
 * unary calls live on the event loop.
 *
 * <p>Porting seam: the only place that builds the client pipeline (as {@link EndpointPool} does),
 * starts unary calls (as {@link ClientCalls#unary} does once it has a connection) and opens streams
 * (the steps of ClientCalls' native {@link CallOpener}, which is private and needs a pool of real
 * sockets). The tests speak {@link SkeinFrame}s on the wire and {@link RecordingCall}'s events.
 */
final class NativeClientHarness implements AutoCloseable {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Pump pump = new Pump(channel, null);
    private final NativeWire wire = new NativeWire(channel);
    private final Connection connection;
    private int goAways;

    /** A client connection to a Skein server ({@code skeinPeer}) or a Kitex server, with {@code hocon} settings. */
    NativeClientHarness(boolean skeinPeer, String hocon) {
        TransportSettings settings = TransportSettings.fromConfig(ConfigFactory.parseString(hocon)
                .withFallback(ConfigFactory.load()));
        channel.freezeTime();
        connection = new Connection(channel, settings, Integer.MAX_VALUE, skeinPeer);
        NativePipeline.addCodec(channel.pipeline(), null, settings);
        channel.pipeline().addLast("skein-client", new ClientConnectionHandler(connection, () -> goAways++));
    }

    /** Starts a unary call of {@code method}; the future is the call (cancel it to cancel the call). */
    CompletableFuture<String> unary(String method, String request, Metadata metadata, long timeoutMillis,
                                    ResponseMetadata capture) {
        ClientUnaryCall<String> call = new ClientUnaryCall<>(method, StringMarshaller.INSTANCE, capture);
        call.start(connection, StringMarshaller.INSTANCE.serialize(request, ByteBufAllocator.DEFAULT), metadata,
                timeoutMillis, System.nanoTime());
        pump.runUntilIdle();
        return call;
    }

    CompletableFuture<String> unary(String method, String request) {
        return unary(method, request, Metadata.EMPTY, 0, null);
    }

    /** Opens a stream whose frames a {@link RecordingCall} records: its StreamOpen goes out. */
    RecordingCall openStream(String method, CallKind kind, int window) {
        RecordingCall call = new RecordingCall();
        int id = connection.allocateStreamId();
        if (!connection.register(id, call)) {
            throw new AssertionError("the connection is closed");
        }
        connection.write(new SkeinFrame.StreamOpen(id, method, kind, Metadata.EMPTY, 0, window));
        call.onOpened(new NativeCallWire(connection, id, 0));
        pump.runUntilIdle();
        return call;
    }

    /** The call is over on this side: it lets go of its stream, as a call stage does when it stops. */
    void endCall(RecordingCall call) {
        call.wire().detach(call);
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
        return connection.isUsable();
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
