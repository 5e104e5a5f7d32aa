package io.skein.governance.breaker;

import io.skein.governance.breaker.CircuitBreaker.Published;
import io.skein.governance.internal.WindowCounter;
import java.time.Duration;
import org.apache.pekko.actor.DeadLetterSuppression;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The actor that owns one breaker's state machine. It is the only writer of
 * {@link CircuitBreaker#published}; the call path reads it and reports crossings, probe outcomes and
 * abandoned probes as messages. Every transition is logged with the counts that caused it.
 *
 * <p><b>Restarts.</b> Its owner restarts it when it throws ({@code ActorOwner}); the new instance runs
 * {@link #resume} before its first message. The published snapshot, an immutable object swapped in one
 * volatile write, is always a consistent state, so the restarted actor resumes from it rather than
 * closing: closing on a crash would let traffic through to the dependency the breaker is guarding.
 * Closed: it stays closed with its window, and re-checks the trip conditions (the crossing report may
 * have been the lost message). Open: cooling is re-armed for the time left. Half-open: a fresh
 * half-open period begins (full probe permits; the successes counted so far were the crashed
 * instance's, and probes still out belong to the old period and are ignored when they report). Then
 * the settings last requested are re-applied if the crash lost the update. The actor keeps no other
 * state: its timers die with the crashed instance and are re-armed here.
 */
final class BreakerActor {

    private static final Logger log = LoggerFactory.getLogger(CircuitBreaker.class);
    private static final Object COOLING = "cooling";
    private static final Object PROBES = "probes";

    sealed interface Command {
    }

    /** The call path saw a trip condition hold; check it and open. */
    enum Evaluate implements Command { INSTANCE }

    /** Stop (one told after its owner stopped it is expected, not a dead letter to report). */
    enum Stop implements Command, DeadLetterSuppression { INSTANCE }

    record ProbeResult(long generation, boolean failure) implements Command {
    }

    record ProbeAbandoned(long generation) implements Command {
    }

    record Update(BreakerSettings settings) implements Command {
    }

    private record CoolingOver(long generation) implements Command {
    }

    /** Probes of a half-open period that have not all reported within {@link #overdue}. */
    private record ProbesOverdue(long generation) implements Command {
    }

    private final CircuitBreaker breaker;
    private final TimerScheduler<Command> timers;
    private long generation;
    private int probeSuccesses;

    private BreakerActor(CircuitBreaker breaker, TimerScheduler<Command> timers) {
        this.breaker = breaker;
        this.timers = timers;
    }

    static Behavior<Command> create(CircuitBreaker breaker) {
        return Behaviors.withTimers(timers -> {
            BreakerActor actor = new BreakerActor(breaker, timers);
            actor.resume();
            return actor.behavior();
        });
    }

    /** Takes over the published state: a no-op for a new breaker, the restart logic for a restarted one. */
    private void resume() {
        boolean restarted = breaker.actorStarts++ > 0;
        Published p = breaker.published;
        generation = p.generation;
        breaker.tripRequested.set(false); // a crossing report lost in the crash must not block later ones
        if (restarted) {
            log.info("circuit breaker '{}' resumes {} after its actor restarted", breaker.name(), p.state);
        }
        switch (p.state) {
            case CLOSED -> evaluate();
            case OPEN -> timers.startSingleTimer(COOLING, new CoolingOver(p.generation),
                    Duration.ofNanos(Math.max(1, p.openUntilNanos - System.nanoTime())));
            case HALF_OPEN -> beginHalfOpen(p);
        }
        BreakerSettings wanted = breaker.requested;
        if (!wanted.equals(breaker.published.settings)) {
            update(wanted);
        }
    }

    private Behavior<Command> behavior() {
        return Behaviors.receive(Command.class)
                .onMessageEquals(Evaluate.INSTANCE, () -> {
                    evaluate();
                    return Behaviors.same();
                })
                .onMessage(ProbeResult.class, m -> {
                    onProbe(m);
                    return Behaviors.same();
                })
                .onMessage(ProbeAbandoned.class, m -> {
                    Published p = breaker.published;
                    if (p.state == BreakerState.HALF_OPEN && p.generation == m.generation()) {
                        p.probes.incrementAndGet(); // give the permit back for another probe
                    }
                    return Behaviors.same();
                })
                .onMessage(CoolingOver.class, m -> {
                    Published p = breaker.published;
                    if (p.state == BreakerState.OPEN && p.generation == m.generation()) {
                        halfOpen(p);
                    }
                    return Behaviors.same();
                })
                .onMessage(ProbesOverdue.class, m -> {
                    Published p = breaker.published;
                    if (p.state == BreakerState.HALF_OPEN && p.generation == m.generation()) {
                        // Probes that never end (no deadline) must not keep the breaker half-open
                        // forever: hand their permits out again.
                        p.probes.set(Math.max(0, p.settings.halfOpenSuccesses() - probeSuccesses));
                        timers.startSingleTimer(PROBES, new ProbesOverdue(p.generation), overdue(p.settings));
                    }
                    return Behaviors.same();
                })
                .onMessage(Update.class, m -> {
                    update(m.settings());
                    return Behaviors.same();
                })
                .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                .build();
    }

    // A probe that has not reported within a cooling time and a statistics window is taken as lost.
    private static Duration overdue(BreakerSettings s) {
        return s.cooling().compareTo(s.window()) > 0 ? s.cooling() : s.window();
    }

    private void evaluate() {
        Published p = breaker.published;
        breaker.tripRequested.set(false);
        if (p.state != BreakerState.CLOSED || !p.settings.enabled()) {
            return;
        }
        long inARow = breaker.consecutive.get();
        if (!CircuitBreaker.tripConditionHolds(p.settings, p.counter, inARow)) {
            return; // a success came in between
        }
        WindowCounter.Totals t = p.counter.totals();
        String reason;
        if (p.settings.consecutiveFailures() > 0 && inARow >= p.settings.consecutiveFailures()) {
            reason = inARow + " consecutive failures";
        } else if (p.settings.errorCount() > 0 && t.failures() >= p.settings.errorCount()) {
            reason = t.failures() + " failures within " + p.settings.window().toMillis() + " ms";
        } else {
            reason = String.format("error rate %.0f%% (%d of %d calls) within %d ms", t.errorRate() * 100,
                    t.failures(), t.total(), p.settings.window().toMillis());
        }
        open(p.settings, reason, t);
    }

    private void open(BreakerSettings settings, String reason, WindowCounter.Totals t) {
        long now = System.nanoTime();
        generation++;
        Duration cooling = settings.cooling();
        breaker.published = new Published(BreakerState.OPEN, settings, breaker.published.counter, 0, generation,
                now, now + cooling.toNanos(), reason);
        breaker.transitions.incrementAndGet();
        timers.cancel(PROBES);
        timers.startSingleTimer(COOLING, new CoolingOver(generation), cooling);
        log.warn("circuit breaker '{}' OPEN: {} (window: {} ok, {} failed); failing fast for {} ms",
                breaker.name(), reason, t.successes(), t.failures(), cooling.toMillis());
    }

    private void halfOpen(Published p) {
        beginHalfOpen(p);
        breaker.transitions.incrementAndGet();
        log.info("circuit breaker '{}' HALF-OPEN after {} ms cooling: letting {} probe(s) through",
                breaker.name(), p.settings.cooling().toMillis(), p.settings.halfOpenSuccesses());
    }

    // A half-open period with every probe permit available (after cooling, or after a restart).
    private void beginHalfOpen(Published p) {
        generation++;
        probeSuccesses = 0;
        breaker.published = new Published(BreakerState.HALF_OPEN, p.settings, p.counter,
                p.settings.halfOpenSuccesses(), generation, p.openedAtNanos, p.openUntilNanos, p.reason);
        timers.startSingleTimer(PROBES, new ProbesOverdue(generation), overdue(p.settings));
    }

    private void onProbe(ProbeResult m) {
        Published p = breaker.published;
        if (p.state != BreakerState.HALF_OPEN || p.generation != m.generation()) {
            return; // a probe of an earlier half-open period
        }
        if (m.failure()) {
            open(p.settings, "a half-open probe failed (after: " + p.reason + ")", p.counter.totals());
            return;
        }
        probeSuccesses++;
        if (probeSuccesses >= p.settings.halfOpenSuccesses()) {
            close(p.settings, p.reason);
            log.info("circuit breaker '{}' CLOSED after {} successful probe(s)", breaker.name(), probeSuccesses);
        }
    }

    private void close(BreakerSettings settings, String lastReason) {
        generation++;
        timers.cancel(COOLING);
        timers.cancel(PROBES);
        breaker.consecutive.set(0);
        breaker.published = new Published(BreakerState.CLOSED, settings,
                new WindowCounter(settings.window(), settings.buckets()), 0, generation, 0, 0, lastReason);
        breaker.transitions.incrementAndGet();
    }

    private void update(BreakerSettings settings) {
        Published p = breaker.published;
        if (settings.equals(p.settings)) {
            return; // a reload that did not touch this breaker
        }
        if (!settings.enabled()) {
            if (p.state != BreakerState.CLOSED) {
                log.info("circuit breaker '{}' disabled while {}: CLOSED", breaker.name(), p.state);
                close(settings, p.reason);
            } else {
                breaker.published = Published.closed(settings, p.counter);
            }
            return;
        }
        boolean sameWindow = p.counter.window().equals(settings.window())
                && p.counter.bucketCount() == settings.buckets();
        WindowCounter counter = sameWindow ? p.counter : new WindowCounter(settings.window(), settings.buckets());
        switch (p.state) {
            case CLOSED -> breaker.published = new Published(BreakerState.CLOSED, settings, counter, 0,
                    p.generation, 0, 0, p.reason);
            case OPEN -> {
                // The cooling time counts from when it opened, with the new length.
                long until = p.openedAtNanos + settings.cooling().toNanos();
                breaker.published = new Published(BreakerState.OPEN, settings, counter, 0, p.generation,
                        p.openedAtNanos, until, p.reason);
                timers.startSingleTimer(COOLING, new CoolingOver(p.generation),
                        Duration.ofNanos(Math.max(0, until - System.nanoTime())));
            }
            case HALF_OPEN -> breaker.published = new Published(BreakerState.HALF_OPEN, settings, counter,
                    Math.max(0, settings.halfOpenSuccesses() - takenProbes(p)), p.generation,
                    p.openedAtNanos, p.openUntilNanos, p.reason);
        }
        log.info("circuit breaker '{}' settings updated ({}): {}", breaker.name(), p.state, settings);
    }

    // Permits handed out in this half-open period (succeeded or still in flight).
    private static int takenProbes(Published p) {
        return Math.max(0, p.settings.halfOpenSuccesses() - p.probes.get());
    }
}
