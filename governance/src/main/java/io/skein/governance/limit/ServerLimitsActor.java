package io.skein.governance.limit;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.pekko.Done;
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
 */
final class ServerLimitsActor extends AbstractBehavior<ServerLimitsActor.Command> {

    private static final Logger log = LoggerFactory.getLogger(ServerLimitsActor.class);
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

    sealed interface Command {
    }

    record Update(ServerLimits limits, ActorRef<Done> replyTo) implements Command {
    }

    enum Stop implements Command {
        INSTANCE
    }

    /** What the call path reads: limits, the server's gate, and gates by method. Immutable. */
    record Published(ServerLimits limits, Gate server, Map<String, Gate> methods) {
    }

    private record Limiter(Gate gate, ActorRef<LimiterActor.Command> actor) {
    }

    private final Consumer<Published> publisher;
    private final Limiter server;
    private final Map<String, Limiter> methods = new HashMap<>();
    private ServerLimits limits;
    private int counter;

    private ServerLimitsActor(ActorContext<Command> context, Published initial, Consumer<Published> publisher) {
        super(context);
        this.publisher = publisher;
        this.limits = initial.limits();
        this.server = new Limiter(initial.server(), context.spawn(LimiterActor.create(initial.server()), "server"));
        initial.methods().forEach((name, gate) -> methods.put(name, spawn(name, gate)));
    }

    static Behavior<Command> create(Published initial, Consumer<Published> publisher) {
        return Behaviors.setup(ctx -> new ServerLimitsActor(ctx, initial, publisher));
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
        return new Limiter(gate, getContext().spawn(LimiterActor.create(gate), name));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Update.class, this::onUpdate)
                .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
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
