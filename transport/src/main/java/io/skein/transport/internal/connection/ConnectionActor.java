package io.skein.transport.internal.connection;

import io.skein.transport.internal.call.Connection;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Owns one connection's lifecycle (a supervised child of its server's or pool's actor): it lives exactly as long as the channel, drains it on request
 * (GOAWAY, then wait for calls in flight), closes it with a logged reason, and answers what it
 * carries. Frames do not pass through its mailbox: the event loop routes them to call streams, and
 * the actor reads the connection's published state when asked.
 */
public final class ConnectionActor extends AbstractBehavior<ConnectionActor.Command> {

    /** What a connection actor understands. */
    public sealed interface Command {
    }

    /** Send GOAWAY, refuse new calls, and reply once no call is in flight (then close). */
    public record Drain(ActorRef<Done> replyTo) implements Command {
    }

    /** Close the channel now; calls in flight end with UNAVAILABLE. */
    public record Close(String reason) implements Command {
    }

    /** Ask for a snapshot of the connection. */
    public record GetInfo(ActorRef<Info> replyTo) implements Command {
    }

    /** A snapshot of one connection. */
    public record Info(SocketAddress remote, int activeCalls, boolean draining) {
    }

    private record ChannelClosed() implements Command {
    }

    private record Drained() implements Command {
    }

    private final Connection connection;
    private final List<ActorRef<Done>> drainWaiters;

    private ConnectionActor(ActorContext<Command> context, Connection connection, List<ActorRef<Done>> drainWaiters,
                            AtomicBoolean watching) {
        super(context);
        this.connection = connection;
        this.drainWaiters = drainWaiters;
        if (watching.compareAndSet(false, true)) { // once, not again after a restart
            ActorRef<Command> self = context.getSelf();
            connection.channel().closeFuture().addListener(f -> self.tell(new ChannelClosed()));
        }
    }

    /**
     * The behavior owning {@code connection}. What it must not forget across a supervised restart
     * (who waits for the drain) lives outside the behavior, so a restarted actor carries on: the
     * connection's own state (calls, draining) is in {@link Connection} anyway.
     */
    public static Behavior<Command> create(Connection connection) {
        List<ActorRef<Done>> drainWaiters = new ArrayList<>();
        AtomicBoolean watching = new AtomicBoolean();
        return Behaviors.setup(ctx -> new ConnectionActor(ctx, connection, drainWaiters, watching));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Drain.class, this::onDrain)
                .onMessage(Drained.class, d -> onDrained())
                .onMessage(Close.class, this::onClose)
                .onMessage(GetInfo.class, this::onGetInfo)
                .onMessage(ChannelClosed.class, c -> onChannelClosed())
                .build();
    }

    private Behavior<Command> onDrain(Drain drain) {
        drainWaiters.add(drain.replyTo());
        if (drainWaiters.size() == 1) {
            ActorRef<Command> self = getContext().getSelf();
            // Draining first: a call read after the GOAWAY is computed is refused, so the GOAWAY's last stream
            // id is exact (a client resends what lies above it when the connection closes unanswered).
            connection.drain(() -> self.tell(new Drained()));
            connection.sendGoAway("server shutting down");
        }
        return this;
    }

    private Behavior<Command> onDrained() {
        getContext().getLog().debug("connection {} drained", connection.channel());
        connection.channel().close();
        return this;
    }

    private Behavior<Command> onClose(Close close) {
        getContext().getLog().info("closing connection {}: {}", connection.channel(), close.reason());
        connection.channel().close();
        return this;
    }

    private Behavior<Command> onGetInfo(GetInfo get) {
        get.replyTo().tell(new Info(connection.channel().remoteAddress(), connection.activeCalls(),
                connection.isDraining()));
        return this;
    }

    private Behavior<Command> onChannelClosed() {
        drainWaiters.forEach(w -> w.tell(Done.getInstance()));
        return Behaviors.stopped();
    }
}
