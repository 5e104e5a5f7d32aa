package io.skein.transport.supervision;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The owner of a subtree of infrastructure actors: one per governed client channel
 * ({@code /system/skein-client-<service>-<n>}, built by {@code ClientGovernance}) and one per node
 * ({@code /system/skein-node-<n>}, built by the runtime's {@code SkeinNode}). Every policy actor of
 * that channel or node is its child:
 *
 * <ul>
 *   <li><b>Supervision.</b> {@link #spawn} wraps each child with {@link SupervisionSettings#supervise}:
 *       a child that throws is restarted (with backoff, never given up on) in place, under the same
 *       {@code ActorRef}. A restarted child rebuilds itself from what its policy object published for
 *       the call path (settings, state, counters), never from the message that crashed it, so the call
 *       path, which only reads those snapshots, goes on undisturbed meanwhile.</li>
 *   <li><b>Lifecycle.</b> {@link #closeAsync} stops the owner, and Pekko stops its children (and theirs)
 *       first: the whole subtree in one step, completed when the last actor has stopped. Closing is
 *       the owner's only way to end; the actor system's termination ends it too.</li>
 *   <li><b>Threads.</b> {@link #spawn} may be called from any thread, including the call path (a breaker
 *       created on a method's first call): it returns an {@link OwnedActor} at once and the owner's actor
 *       spawns the child asynchronously, the handle holding messages until then. The owner itself is
 *       stateless (its children are its state, kept by Pekko), so it restarts without stopping them if it
 *       ever throws.</li>
 * </ul>
 */
public final class ActorOwner implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ActorOwner.class);
    private static final AtomicLong OWNERS = new AtomicLong();
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

    private final ActorSystem<?> system;
    private final SupervisionSettings supervision;
    private final ActorRef<Command> actor;
    private final AtomicLong children = new AtomicLong();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Done> terminated = new CompletableFuture<>();
    /** Handles whose child has not been spawned yet; declared dead if the owner stops first. */
    private final Set<OwnedActor<?>> unattached = ConcurrentHashMap.newKeySet();

    private ActorOwner(ActorSystem<?> system, String name, SupervisionSettings supervision) {
        this.system = system;
        this.supervision = supervision;
        this.actor = system.systemActorOf(Behaviors.supervise(behavior())
                        .onFailure(SupervisorStrategy.restart().withStopChildren(false)),
                actorSafe(name) + "-" + OWNERS.incrementAndGet(), Props.empty());
    }

    /**
     * A new owner, a top-level system actor named {@code name-<n>}, whose children are supervised as
     * {@code skein.supervision} of {@code system}'s configuration says.
     */
    public static ActorOwner create(ActorSystem<?> system, String name) {
        return create(system, name, SupervisionSettings.of(system));
    }

    /** A new owner whose children are supervised with {@code supervision}. */
    public static ActorOwner create(ActorSystem<?> system, String name, SupervisionSettings supervision) {
        return new ActorOwner(requireNonNull(system, "system"), requireNonNull(name, "name"),
                requireNonNull(supervision, "supervision"));
    }

    /** The actor system the subtree lives in. */
    public ActorSystem<?> system() {
        return system;
    }

    /** How children are supervised. */
    public SupervisionSettings supervision() {
        return supervision;
    }

    /** The owner's own actor (its path names the subtree: {@code /system/<name>-<n>}). */
    public ActorRef<?> ref() {
        return actor;
    }

    /**
     * Starts {@code behavior}, supervised, as a child named {@code name-<n>} (unique under this owner).
     * Returns at once; see {@link OwnedActor} for messages sent before the child exists. After
     * {@link #closeAsync} the child is never started and the handle drops what it is told.
     */
    public <T> OwnedActor<T> spawn(String name, Behavior<T> behavior) {
        return spawn(name, behavior, true);
    }

    /**
     * Like {@link #spawn(String, Behavior)}; with {@code stopChildren = false} a restart of the child
     * keeps the child's own children (see {@link SupervisionSettings#supervise(Behavior, boolean)}).
     */
    public <T> OwnedActor<T> spawn(String name, Behavior<T> behavior, boolean stopChildren) {
        requireNonNull(behavior, "behavior");
        OwnedActor<T> handle = new OwnedActor<>(this,
                actorSafe(requireNonNull(name, "name")) + "-" + children.incrementAndGet());
        unattached.add(handle);
        if (terminated.isDone()) {
            unattached.remove(handle);
            handle.markDead();
        } else {
            actor.tell(new Spawn<>(handle, supervision.supervise(behavior, stopChildren)));
        }
        return handle;
    }

    /**
     * The children alive now (for diagnostics and tests: watch them, or check that closing stopped
     * them); empty once closed.
     */
    public CompletionStage<List<ActorRef<Void>>> children() {
        if (terminated.isDone()) {
            return CompletableFuture.completedFuture(List.of());
        }
        return AskPattern.ask(actor, Children::new, ASK_TIMEOUT, system.scheduler());
    }

    /** Whether the owner (and so its whole subtree) has stopped. */
    public boolean isTerminated() {
        return terminated.isDone();
    }

    /**
     * Stops the owner and every actor under it; completes once all of them have stopped. Idempotent.
     */
    public CompletionStage<Done> closeAsync() {
        if (closing.compareAndSet(false, true)) {
            actor.tell(Stop.INSTANCE);
        }
        return terminated.copy();
    }

    /** Completes once the owner and its subtree have stopped, without asking them to. */
    public CompletionStage<Done> whenTerminated() {
        return terminated.copy();
    }

    /** Stops the subtree without waiting (see {@link #closeAsync}). */
    @Override
    public void close() {
        closeAsync();
    }

    @Override
    public String toString() {
        return "ActorOwner(" + actor.path() + ")";
    }

    /** {@code name} with every character an actor name cannot hold replaced by {@code _}. */
    public static String actorSafe(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            b.append(Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.' ? c : '_');
        }
        return b.toString();
    }

    void stopChild(String name) {
        actor.tell(new StopChild(name));
    }

    private sealed interface Command {
    }

    private record Spawn<T>(OwnedActor<T> handle, Behavior<T> behavior) implements Command {
        void run(ActorContext<Command> context) {
            handle.attach(context.spawn(behavior, handle.name()));
        }
    }

    private record StopChild(String name) implements Command {
    }

    private record Children(ActorRef<List<ActorRef<Void>>> replyTo) implements Command {
    }

    private enum Stop implements Command { INSTANCE }

    private Behavior<Command> behavior() {
        return Behaviors.setup(ctx -> Behaviors.receive(Command.class)
                .onMessage(Spawn.class, spawn -> {
                    unattached.remove(spawn.handle());
                    spawn.run(ctx);
                    return Behaviors.same();
                })
                .onMessage(StopChild.class, stop -> {
                    ctx.getChild(stop.name()).ifPresent(ctx::stop);
                    return Behaviors.same();
                })
                .onMessage(Children.class, ask -> {
                    ask.replyTo().tell(List.copyOf(ctx.getChildren()));
                    return Behaviors.same();
                })
                .onMessageEquals(Stop.INSTANCE, () -> {
                    log.debug("{} closing with {} children", this, ctx.getChildren().size());
                    return Behaviors.stopped();
                })
                .onSignal(PostStop.class, signal -> {
                    // Every child has stopped by now (Pekko stops children before their parent's PostStop).
                    terminated.complete(Done.getInstance());
                    new ArrayList<>(unattached).forEach(h -> {
                        unattached.remove(h);
                        h.markDead();
                    });
                    return Behaviors.same();
                })
                .build());
    }
}
