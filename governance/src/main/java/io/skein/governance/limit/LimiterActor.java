package io.skein.governance.limit;

import static java.util.Objects.requireNonNull;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The actor that owns one limiter (a server's, a method's, a client's): its settings and, when
 * adaptive, its algorithm. It publishes what calls need into a gate they read with one volatile read;
 * calls never send it a message. It takes new settings at run time ({@link Update}), recomputes an
 * adaptive limit once per window from what ended calls left in the gate's counters, logs every
 * change, and answers {@link GetStats}.
 *
 * <p><b>Restarts.</b> It is supervised by its owner (an {@code ActorOwner}, or the server's
 * {@link ServerLimitsActor}) and restarted when it throws. The gate is the limiter's state of record: the
 * calls in flight, the token bucket and the counters live there and are untouched by a restart, so no
 * permit is lost or released twice; the restarted actor takes its settings from what the gate last
 * published and an adaptive limit resumes from its last published value (its latency history starts
 * over). An {@link Update} whose handling threw is not answered: the asker's timeout reports it.
 */
public final class LimiterActor extends AbstractBehavior<LimiterActor.Command> {

    private static final Logger log = LoggerFactory.getLogger(LimiterActor.class);

    /** What a limiter actor understands. */
    public sealed interface Command {
    }

    /** Replace the settings; replies once calls see them. */
    public record Update(LimitSettings settings, ActorRef<Done> replyTo) implements Command {
        public Update {
            requireNonNull(settings, "settings");
            requireNonNull(replyTo, "replyTo");
        }
    }

    /** Reply with the limiter's counts and current limit. */
    public record GetStats(ActorRef<LimiterStats> replyTo) implements Command {
        public GetStats {
            requireNonNull(replyTo, "replyTo");
        }
    }

    private enum Tick implements Command {
        INSTANCE
    }

    private final Gate gate;
    private final TimerScheduler<Command> timers;
    private LimitSettings settings;
    private AdaptiveLimit adaptive;

    private LimiterActor(ActorContext<Command> context, TimerScheduler<Command> timers, Gate gate) {
        super(context);
        this.gate = gate;
        this.timers = timers;
        this.settings = gate.settings();
        resume();
    }

    /** A limiter owning {@code gate} (created with its initial settings). */
    static Behavior<Command> create(Gate gate) {
        requireNonNull(gate, "gate");
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new LimiterActor(ctx, timers, gate)));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Update.class, this::onUpdate)
                .onMessage(GetStats.class, g -> {
                    g.replyTo().tell(gate.stats());
                    return this;
                })
                .onMessageEquals(Tick.INSTANCE, this::onTick)
                .build();
    }

    private Behavior<Command> onUpdate(Update update) {
        LimitSettings previous = settings;
        settings = update.settings();
        if (!previous.equals(settings)) {
            if (!previous.adaptive().equals(settings.adaptive())) {
                startAdaptive(); // new tuning starts over from its initial limit
            } else {
                gate.publish(settings, adaptive == null ? 0 : adaptive.limit());
            }
            log.info("limits of {} changed: {} -> {}", gate.scope(), previous, settings);
        }
        update.replyTo().tell(Done.getInstance());
        return this;
    }

    /**
     * Takes over what the gate published (at creation: the initial settings and adaptive limit; after a
     * restart: the last ones), re-arming the adaptive window.
     */
    private void resume() {
        AdaptiveSettings a = settings.adaptive();
        if (!a.enabled()) {
            startAdaptive();
            return;
        }
        int from = Math.max(a.minLimit(), Math.min(a.maxLimit(), gate.adaptiveLimit() > 0 ? gate.adaptiveLimit()
                : a.initialLimit()));
        adaptive = AdaptiveLimit.of(a.withLimits(from, a.minLimit(), a.maxLimit()));
        gate.publish(settings, adaptive.limit());
        gate.drainWindow();
        timers.startTimerWithFixedDelay(Tick.INSTANCE, a.window());
    }

    private void startAdaptive() {
        timers.cancel(Tick.INSTANCE);
        if (settings.adaptive().enabled()) {
            adaptive = AdaptiveLimit.of(settings.adaptive());
            gate.publish(settings, adaptive.limit());
            gate.drainWindow(); // calls before this tuning do not count in its first window
            timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.adaptive().window());
        } else {
            adaptive = null;
            gate.publish(settings, 0);
        }
    }

    private Behavior<Command> onTick() {
        if (adaptive == null) {
            return this;
        }
        AdaptiveLimit.Window window = gate.drainWindow();
        int before = adaptive.limit();
        int after = adaptive.update(window);
        if (after != before) {
            gate.publish(settings, after);
            log.debug("adaptive limit of {}: {} -> {} ({} arrived, {} refused, {} started after {} us at least"
                            + " behind {} calls at least, {} us on average, {} ended waiting, at most {} in flight)",
                    gate.scope(), before, after, window.arrivals(), window.refused(), window.started(),
                    window.minQueueNanos() / 1000, window.minAhead(), window.averageQueueNanos() / 1000,
                    window.endedWaiting(), window.maxInFlight());
        }
        return this;
    }
}
