package io.skein.transport.supervision;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handle of one actor an {@link ActorOwner} spawned: what a policy object (a breaker, a budget, a
 * limiter) keeps to talk to its actor. It is usable at once, from any thread, although the actor is
 * spawned by the owner a moment later: messages told before then are kept, in order, and delivered
 * when the actor exists (at most {@value #MAX_PENDING}; an owner that never spawns it, because it was
 * closed first, drops them). Once spawned, {@link #tell} is one volatile read and a direct
 * {@code ActorRef.tell}: the owner is not on the message path.
 *
 * <p>The actor restarts in place when it throws (same reference, see {@link SupervisionSettings}); it
 * stops with its owner or through {@link #stop}.
 */
public final class OwnedActor<T> {

    private static final Logger log = LoggerFactory.getLogger(OwnedActor.class);
    static final int MAX_PENDING = 1024;

    private final ActorOwner owner;
    private final String name;
    private final CompletableFuture<ActorRef<T>> spawned = new CompletableFuture<>();
    private volatile ActorRef<T> ref;
    // Guarded by this; null once attached or dead.
    private ArrayDeque<T> pending = new ArrayDeque<>();

    OwnedActor(ActorOwner owner, String name) {
        this.owner = owner;
        this.name = name;
    }

    /** The actor's name under its owner (unique there). */
    public String name() {
        return name;
    }

    /** The owner this actor lives under. */
    public ActorOwner owner() {
        return owner;
    }

    /** Sends {@code message}: at once when the actor exists, else as soon as the owner has spawned it. */
    public void tell(T message) {
        requireNonNull(message, "message");
        ActorRef<T> r = ref;
        if (r == null) {
            synchronized (this) {
                r = ref;
                if (r == null) {
                    if (pending != null && pending.size() < MAX_PENDING) {
                        pending.add(message);
                    } else {
                        log.debug("{} dropped {}: its actor {}", owner, message,
                                pending == null ? "was never spawned (owner closed)" : "has too many pending messages");
                    }
                    return;
                }
            }
        }
        r.tell(message);
    }

    /**
     * Asks the actor, failing with a timeout after {@code timeout} (counted from when it exists); fails
     * at once when the owner closed before spawning it.
     */
    public <R> CompletionStage<R> ask(Function<ActorRef<R>, T> message, Duration timeout) {
        requireNonNull(message, "message");
        requireNonNull(timeout, "timeout");
        return spawned.thenCompose(r -> AskPattern.ask(r, message::apply, timeout, owner.system().scheduler()));
    }

    /** The actor's reference, once the owner has spawned it. */
    public CompletionStage<ActorRef<T>> ref() {
        return spawned.copy();
    }

    /** Stops the actor (through its owner, after any message told before). */
    public void stop() {
        owner.stopChild(name);
    }

    /** Called by the owner, in its actor, with the spawned child: flushes what was told meanwhile. */
    void attach(ActorRef<T> child) {
        synchronized (this) {
            if (pending == null) {
                return; // declared dead: the owner stopped (it stops the child too)
            }
            for (T m : pending) {
                child.tell(m);
            }
            pending = null;
            ref = child;
        }
        spawned.complete(child);
    }

    /** The owner stopped before spawning this actor: nothing will be delivered. */
    void markDead() {
        synchronized (this) {
            if (ref != null || pending == null) {
                return;
            }
            pending = null;
        }
        spawned.completeExceptionally(new IllegalStateException(owner + " is closed; " + name + " was never started"));
    }

    @Override
    public String toString() {
        ActorRef<T> r = ref;
        return r != null ? r.path().toString() : owner + "/" + name + " (not spawned)";
    }
}
