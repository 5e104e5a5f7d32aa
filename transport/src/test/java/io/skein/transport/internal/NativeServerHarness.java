package io.skein.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.local.LocalServerChannel;
import io.skein.protocols.frame.SkeinFrame;
import io.skein.testing.Await;
import io.skein.transport.CallAdmission;
import io.skein.transport.MethodRegistry;
import io.skein.transport.internal.call.Connection;
import io.skein.transport.internal.connection.ConnectionActor;
import io.skein.transport.internal.testing.AcceptedChannels;
import io.skein.transport.internal.testing.NativeWire;
import io.skein.transport.internal.testing.Pump;
import io.skein.transport.internal.testing.TestThreadDispatcher;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The server end of one native-protocol connection on an {@link EmbeddedChannel}, driven by the
 * test as its client: frames in, frames out.
 *
 * <p>Porting seam: this class is the only place that builds the server pipeline (as an
 * {@code RpcServer} does, through {@link AcceptedChannels#init}), learns the connection, and drains it
 * (through its {@link ConnectionActor}). The tests speak {@link SkeinFrame}s, the wire vocabulary, only.
 */
final class NativeServerHarness implements AutoCloseable {

    private final ActorTestKit testKit;
    // Accepted by a server channel, as a real connection is (Netty's HTTP/2 multiplexer tells a server
    // from a client by that parent).
    private final EmbeddedChannel channel = EmbeddedChannel.builder().parent(new LocalServerChannel()).build();
    private final Pump pump;
    private final NativeWire wire = new NativeWire(channel);
    private final ArrayDeque<SkeinFrame> received = new ArrayDeque<>();
    private final List<Connection> opened = new ArrayList<>();
    private ActorRef<ConnectionActor.Command> connectionActor;

    NativeServerHarness(ActorTestKit testKit, TestThreadDispatcher.Tasks tasks, MethodRegistry registry,
                        CallAdmission admission) {
        this.testKit = testKit;
        this.pump = new Pump(channel, tasks);
        channel.freezeTime(); // the event loop's timers move only when the test advances them
        NettyResources resources = NettyResources.get(testKit.system());
        AcceptedChannels.init(channel, registry, resources, admission, opened::add);
    }

    /** The client sends {@code frames} in one read; everything they cause runs before this returns. */
    void send(SkeinFrame... frames) {
        wire.send(frames);
        pump.runUntilIdle();
    }

    /** The client sends raw bytes in one read. */
    void sendBytes(byte[] bytes) {
        wire.sendBytes(bytes);
        pump.runUntilIdle();
    }

    /** The next frame the server writes; fails when none comes within {@link Pump#LIMIT}. */
    SkeinFrame next() {
        pump.until(() -> {
            received.addAll(wire.receive());
            return !received.isEmpty();
        }, () -> "a frame from the server");
        return received.poll();
    }

    /** The next frame, which must be a {@code type}. */
    <T extends SkeinFrame> T next(Class<T> type) {
        return assertInstanceOf(type, next());
    }

    /** Everything the server writes until it is idle. */
    List<SkeinFrame> written() {
        pump.runUntilIdle();
        received.addAll(wire.receive());
        List<SkeinFrame> all = new ArrayList<>(received);
        received.clear();
        return all;
    }

    /** Asserts that the server, run until idle, writes nothing (more). */
    void assertNothingWritten() {
        assertEquals(List.of(), written(), "the server wrote");
    }

    /** Pumps until {@code condition} holds (bounded). */
    void until(BooleanSupplier condition, String what) {
        pump.until(condition, () -> what);
    }

    /** Moves the event loop's clock (its timers: unary deadlines) and runs what became due. */
    void advanceTime(Duration by) {
        channel.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
        pump.runUntilIdle();
    }

    boolean isOpen() {
        return channel.isOpen();
    }

    /** Whether the connection still takes calls (its protocol was detected and it is not draining or closed). */
    boolean takesNewCalls() {
        Connection c = opened.get(0);
        return !c.isDraining() && !c.isClosed();
    }

    /**
     * Tells the connection's actor to drain, as a server shutdown does (GOAWAY, refuse new calls, close
     * once idle); completes once it has drained.
     */
    CompletionStage<Done> drain() {
        if (connectionActor == null) {
            connectionActor = testKit.system().systemActorOf(ConnectionActor.create(opened.get(0)),
                    "connection-" + System.identityHashCode(channel),
                    DispatcherSelector.fromConfig(TestThreadDispatcher.ID));
        }
        CompletionStage<Done> drained = AskPattern.ask(connectionActor, ConnectionActor.Drain::new, Pump.LIMIT,
                testKit.system().scheduler());
        // The actor is started by its parent on another thread: wait (pumping) until it took the command.
        pump.until(() -> opened.get(0).isDraining(), () -> "the connection actor drains");
        return drained;
    }

    /** Closes the channel as the client would (its calls end), and releases what is left. */
    @Override
    public void close() {
        channel.close();
        pump.runUntilIdle();
        written();
        channel.finishAndReleaseAll();
        wire.close();
    }

    /** Waits (pumping) for {@code stage}; for things completed by the actors the pump runs. */
    <T> T await(CompletionStage<T> stage) {
        pump.until(() -> stage.toCompletableFuture().isDone(), () -> "completion");
        return Await.result(stage, Pump.LIMIT);
    }
}
