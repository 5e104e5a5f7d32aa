package io.skein.governance.limit;

import io.skein.transport.supervision.SupervisionSettings;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.DeadLetterSuppression;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parent of a server's limiter actors (one for the server, one per limited method). It applies new
 * {@link ServerLimits}: existing limiters get their new settings, new methods get a limiter, dropped
 * ones are stopped; then it publishes the set of gates the call path reads.
 *
 * <p><b>Ownership and restarts.</b> It is a child of the node's {@code ActorOwner}
 * ({@code server-limits-<n>}) and the supervisor of its limiters, which it spawns supervised with the
 * same {@link SupervisionSettings} ({@code server}, {@code method-<name>-<n>}). The published set of
 * gates is the state of record. When a limiter throws, only that limiter restarts (from its gate).
 * When this actor throws, Pekko stops its limiters and the restarted instance rebuilds the whole tree
 * from the last published set: the same gates (so calls in flight release where they acquired), new
 * limiter actors reading their settings from the gates. An {@link Update} whose handling threw is not
 * answered (the asker's timeout reports it) and limits it had not yet published are not applied.
 */
final class ServerLimitsActor extends AbstractBehavior<ServerLimitsActor.Command> {

    private static final Logger log = LoggerFactory.getLogger(ServerLimitsActor.class);
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

    sealed interface Command {
    }

    record Update(ServerLimits limits, ActorRef<Done> replyTo) implements Command {
    }

    enum Stop implements Command, DeadLetterSuppression {
        INSTANCE
    }

    /** The limiter actors alive now (tests check that they stop with their owner). */
    record GetLimiters(ActorRef<List<ActorRef<Void>>> replyTo) implements Command {
    }

    /** What the call path reads: limits, the server's gate, and gates by method. Immutable. */
    record Published(ServerLimits limits, Gate server, Map<String, Gate> methods) {
    }

    private record Limiter(Gate gate, ActorRef<LimiterActor.Command> actor) {
    }

    private final Consumer<Published> publisher;
    private final SupervisionSettings supervision;
    private final Limiter server;
    private final Map<String, Limiter> methods = new HashMap<>();
    private ServerLimits limits;
    private int counter;

    private ServerLimitsActor(ActorContext<Command> context, Published current, Consumer<Published> publisher,
            SupervisionSettings supervision) {
        super(context);
        this.publisher = publisher;
        this.supervision = supervision;
        this.limits = current.limits();
        this.server = new Limiter(current.server(),
                context.spawn(supervision.supervise(LimiterActor.create(current.server())), "server"));
        current.methods().forEach((name, gate) -> methods.put(name, spawn(name, gate)));
    }

    /**
     * The parent of a server's limiters, built (at start and after each restart) from {@code current},
     * the set of gates last published; it publishes new sets through {@code publisher}.
     */
    static Behavior<Command> create(Supplier<Published> current, Consumer<Published> publisher,
            SupervisionSettings supervision) {
        return Behaviors.setup(ctx -> new ServerLimitsActor(ctx, current.get(), publisher, supervision));
    }

    /** The gates for {@code limits}, before any actor runs (the first snapshot is published synchronously). */
    static Published initial(ServerLimits limits) {
        Map<String, Gate> gates = new HashMap<>();
        limits.methods().forEach((name, settings) -> gates.put(name, gate(name, settings)));
        return new Published(limits, gate("server", limits.server()), Map.copyOf(gates));
    }

    private static Gate gate(String scope, LimitSettings settings) {
        return new Gate(scope, "server limit reached", settings, settings.adaptive().initialLimit());
    }

    private Limiter spawn(String method, Gate gate) {
        String name = "method-" + URLEncoder.encode(method, StandardCharsets.UTF_8) + "-" + (++counter);
        return new Limiter(gate, getContext().spawn(supervision.supervise(LimiterActor.create(gate)), name));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Update.class, this::onUpdate)
                .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                .onMessage(GetLimiters.class, m -> {
                    m.replyTo().tell(List.copyOf(getContext().getChildren()));
                    return this;
                })
                .build();
    }

    private Behavior<Command> onUpdate(Update update) {
        ServerLimits next = update.limits();
        List<CompletableFuture<Done>> applied = new ArrayList<>();
        applied.add(tell(server.actor(), next.server()));
        for (Map.Entry<String, LimitSettings> e : next.methods().entrySet()) {
            Limiter existing = methods.get(e.getKey());
            if (existing != null) {
                applied.add(tell(existing.actor(), e.getValue()));
            } else {
                methods.put(e.getKey(), spawn(e.getKey(), gate(e.getKey(), e.getValue())));
                log.info("limits of {} added: {}", e.getKey(), e.getValue());
            }
        }
        methods.entrySet().removeIf(e -> {
            if (next.methods().containsKey(e.getKey())) {
                return false;
            }
            // Calls admitted through the dropped gate still release on it; nothing new reaches it.
            getContext().stop(e.getValue().actor());
            log.info("limits of {} removed", e.getKey());
            return true;
        });
        if (next.maxConnections() != limits.maxConnections()) {
            log.info("max-connections changed: {} -> {}", limits.maxConnections(), next.maxConnections());
        }
        limits = next;
        Map<String, Gate> gates = new HashMap<>();
        methods.forEach((name, limiter) -> gates.put(name, limiter.gate()));
        publisher.accept(new Published(next, server.gate(), Map.copyOf(gates)));
        ActorRef<Done> replyTo = update.replyTo();
        CompletableFuture.allOf(applied.toArray(CompletableFuture[]::new))
                .whenComplete((v, err) -> replyTo.tell(Done.getInstance()));
        return this;
    }

    private CompletableFuture<Done> tell(ActorRef<LimiterActor.Command> limiter, LimitSettings settings) {
        return AskPattern.<LimiterActor.Command, Done>ask(limiter, r -> new LimiterActor.Update(settings, r),
                ASK_TIMEOUT, getContext().getSystem().scheduler()).toCompletableFuture();
    }
}
