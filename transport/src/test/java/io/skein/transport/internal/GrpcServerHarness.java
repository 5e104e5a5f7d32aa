package io.skein.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.skein.protocols.grpc.GrpcRequestHeaders;
import io.skein.transport.CallAdmission;
import io.skein.transport.MethodRegistry;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.connection.ConnectionActor;
import io.skein.transport.internal.testing.AcceptedChannels;
import io.skein.transport.internal.testing.Http2Peer;
import io.skein.transport.internal.testing.Pump;
import io.skein.transport.internal.testing.TestThreadDispatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The server end of one gRPC (HTTP/2) connection on an {@link EmbeddedChannel}, the test playing the
 * client with {@link Http2Peer}: HTTP/2 frames in, HTTP/2 frames out. The handshake (preface,
 * SETTINGS both ways and their ACKs) is done when the harness is made.
 *
 * <p>Porting seam: the only place that builds the server pipeline (as an {@code RpcServer} does,
 * through {@link AcceptedChannels#init}, whose detector installs the gRPC handlers on the HTTP/2
 * preface), learns the connection and drains it through its {@link ConnectionActor}. Tests speak
 * HTTP/2 frames only.
 */
final class GrpcServerHarness implements AutoCloseable {

    private final ActorTestKit testKit;
    // Accepted by a server channel, as a real connection is (Netty's HTTP/2 multiplexer tells a server
    // from a client by that parent).
    private final EmbeddedChannel channel = EmbeddedChannel.builder().parent(new LocalServerChannel()).build();
    private final Pump pump;
    private final Http2Peer peer = new Http2Peer(channel, true);
    private final List<Connection> opened = new ArrayList<>();
    private final List<Http2Peer.Frame> received = new ArrayList<>();
    private ActorRef<ConnectionActor.Command> connectionActor;

    GrpcServerHarness(ActorTestKit testKit, TestThreadDispatcher.Tasks tasks, MethodRegistry registry,
                      CallAdmission admission) {
        this.testKit = testKit;
        this.pump = new Pump(channel, tasks);
        channel.freezeTime();
        AcceptedChannels.init(channel, registry, NettyResources.get(testKit.system()), admission, opened::add);
        peer.preface(Http2Settings.defaultSettings());
        pump.runUntilIdle();
        List<Http2Peer.Frame> handshake = peer.receive();
        if (handshake.stream().noneMatch(f -> f instanceof Http2Peer.Settings)
                || handshake.stream().noneMatch(f -> f instanceof Http2Peer.SettingsAck)) {
            throw new AssertionError("no SETTINGS and ACK from the server: " + handshake);
        }
        peer.settingsAck();
        pump.runUntilIdle();
        received.addAll(peer.receive());
    }

    /** Request headers of a gRPC call of {@code method} (te, content-type, POST, path...). */
    static GrpcRequestHeaders.Builder request(String method) {
        return GrpcRequestHeaders.builder(method).authority("localhost");
    }

    void headers(int streamId, Http2Headers headers, boolean endStream) {
        peer.headers(streamId, headers, endStream);
        pump.runUntilIdle();
    }

    /** DATA carrying {@code data} (e.g. {@link Http2Peer#grpcMessage}); takes it. */
    void data(int streamId, ByteBuf data, boolean endStream) {
        peer.data(streamId, data, endStream);
        pump.runUntilIdle();
    }

    void rst(int streamId, Http2Error error) {
        peer.rst(streamId, error);
        pump.runUntilIdle();
    }

    void windowUpdate(int streamId, int increment) {
        peer.windowUpdate(streamId, increment);
        pump.runUntilIdle();
    }

    /** Everything the server wrote until it is idle (connection-level frames included). */
    List<Http2Peer.Frame> written() {
        pump.runUntilIdle();
        received.addAll(peer.receive());
        List<Http2Peer.Frame> all = List.copyOf(received);
        received.clear();
        return all;
    }

    /** What the server wrote on {@code streamId} until it is idle; other frames are dropped. */
    List<Http2Peer.Frame> written(int streamId) {
        return written().stream().filter(f -> f.streamId() == streamId).toList();
    }

    void assertNothingWritten() {
        assertEquals(List.of(), written(), "the server wrote");
    }

    void until(BooleanSupplier condition, String what) {
        pump.until(condition, () -> what);
    }

    boolean isOpen() {
        return channel.isOpen();
    }

    /** Drains the connection through its actor, as a server shutdown does; completes once drained. */
    CompletionStage<Done> drain() {
        if (connectionActor == null) {
            connectionActor = testKit.system().systemActorOf(ConnectionActor.create(opened.get(0)),
                    "grpc-connection-" + System.identityHashCode(channel),
                    DispatcherSelector.fromConfig(TestThreadDispatcher.ID));
        }
        CompletionStage<Done> drained = AskPattern.ask(connectionActor, ConnectionActor.Drain::new, Pump.LIMIT,
                testKit.system().scheduler());
        // The actor is started by its parent on another thread: wait (pumping) until it took the command.
        pump.until(() -> opened.get(0).isDraining(), () -> "the connection actor drains");
        return drained;
    }

    @Override
    public void close() {
        channel.close();
        pump.runUntilIdle();
        channel.finishAndReleaseAll();
        peer.close();
    }
}
