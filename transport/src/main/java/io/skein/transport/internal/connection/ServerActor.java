package io.skein.transport.internal.connection;

import io.skein.transport.internal.call.Connection;
import io.skein.transport.supervision.SupervisionSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The actor behind one server: parent of its connection actors (supervised with restart), and the one
 * that drains them all at shutdown within the exit wait. It lives under an
 * {@link io.skein.transport.supervision.ActorOwner} (the server's own, or the node's).
 */
public final class ServerActor extends AbstractBehavior<ServerActor.Command> {

    /** What a server actor understands. */
    public sealed interface Command {
    }

    /** A connection was accepted. */
    public record ConnectionOpened(Connection connection) implements Command {
    }

    /** Drain every connection, waiting at most {@code exitWait}, then close what is left and reply. */
    public record DrainAll(Duration exitWait, ActorRef<Done> replyTo) implements Command {
    }

    /** How many connections and calls in flight right now. */
    public record GetLoad(ActorRef<Load> replyTo) implements Command {
    }

    /**
     * Connections, calls in flight, and the write queues of the connections.
     *
     * @param connections           open connections
     * @param activeCalls           calls in flight on them
     * @param queuedWriteBytes      answer bytes they have queued and not yet written, together
     * @param peakQueuedWriteBytes  the most one of them ever had queued (as far as its protocol reports it)
     */
    public record Load(int connections, int activeCalls, long queuedWriteBytes, long peakQueuedWriteBytes) {
    }

    /** Which connection actors the server has now (diagnostics, tests of their supervision). */
    public record GetConnectionActors(ActorRef<List<ActorRef<ConnectionActor.Command>>> replyTo) implements Command {
    }

    /** Close every connection still open and stop. */
    public record Stop() implements Command {
    }

    private record ConnectionStopped(ActorRef<ConnectionActor.Command> actor) implements Command {
    }

    private record DrainFinished(List<ActorRef<Done>> replyTo) implements Command {
    }

    private final Map<ActorRef<ConnectionActor.Command>, Connection> connections;
    private final State state;
    private final SupervisionSettings supervision;

    /**
     * What a server actor must not lose when it is restarted (supervised, keeping its children): its
     * connection actors and their connections. Touched by the server actor only.
     */
    private static final class State {
        final Map<ActorRef<ConnectionActor.Command>, Connection> connections = new HashMap<>();
        int counter;
    }

    private ServerActor(ActorContext<Command> context, State state, SupervisionSettings supervision) {
        super(context);
        this.state = state;
        this.connections = state.connections;
        this.supervision = supervision;
        // After a restart the connection actors are still there (children are kept); watch them again.
        for (ActorRef<ConnectionActor.Command> child : connections.keySet()) {
            try {
                context.watchWith(child, new ConnectionStopped(child));
            } catch (IllegalStateException alreadyWatched) {
                // the watch survived the restart
            }
        }
    }

    /**
     * The behavior of a server's actor; its connection actors are spawned supervised as
     * {@code supervision} says. Spawn it with its children kept across restarts.
     */
    public static Behavior<Command> create(SupervisionSettings supervision) {
        State state = new State();
        return Behaviors.setup(ctx -> new ServerActor(ctx, state, supervision));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(ConnectionOpened.class, this::onOpened)
                .onMessage(ConnectionStopped.class, s -> {
                    connections.remove(s.actor());
                    return this;
                })
                .onMessage(DrainAll.class, this::onDrainAll)
                .onMessage(DrainFinished.class, f -> {
                    connections.values().forEach(c -> c.channel().close());
                    f.replyTo().forEach(r -> r.tell(Done.getInstance()));
                    return this;
                })
                .onMessage(GetConnectionActors.class, g -> {
                    g.replyTo().tell(List.copyOf(connections.keySet()));
                    return this;
                })
                .onMessage(Stop.class, s -> {
                    connections.values().forEach(c -> c.channel().close());
                    return Behaviors.stopped();
                })
                .onMessage(GetLoad.class, g -> {
                    int calls = connections.values().stream().mapToInt(Connection::activeCalls).sum();
                    long queued = connections.values().stream().mapToLong(Connection::queuedWriteBytes).sum();
                    long peak = connections.values().stream().mapToLong(Connection::peakQueuedWriteBytes).max()
                            .orElse(0);
                    g.replyTo().tell(new Load(connections.size(), calls, queued, peak));
                    return this;
                })
                .build();
    }

    private Behavior<Command> onOpened(ConnectionOpened opened) {
        ActorRef<ConnectionActor.Command> child = getContext().spawn(
                supervision.supervise(ConnectionActor.create(opened.connection())), "connection-" + (++state.counter));
        getContext().watchWith(child, new ConnectionStopped(child));
        connections.put(child, opened.connection());
        return this;
    }

    private Behavior<Command> onDrainAll(DrainAll drain) {
        List<CompletableFuture<Done>> drained = new ArrayList<>();
        for (ActorRef<ConnectionActor.Command> c : connections.keySet()) {
            drained.add(AskPattern.<ConnectionActor.Command, Done>ask(c, ConnectionActor.Drain::new, drain.exitWait(),
                    getContext().getSystem().scheduler()).toCompletableFuture());
        }
        List<ActorRef<Done>> replyTo = List.of(drain.replyTo());
        getContext().pipeToSelf(CompletableFuture.allOf(drained.toArray(CompletableFuture[]::new)),
                (ok, err) -> new DrainFinished(replyTo));
        return this;
    }
}
