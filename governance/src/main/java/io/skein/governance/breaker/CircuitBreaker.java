package io.skein.governance.breaker;

import static java.util.Objects.requireNonNull;

import io.skein.governance.internal.WindowCounter;
import io.skein.transport.supervision.ActorOwner;
import io.skein.transport.supervision.OwnedActor;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One circuit breaker (one scope: a caller's method of a service, or one instance). Its state is
 * owned by a typed actor; the call path never waits on it:
 *
 * <ul>
 *   <li>{@link #acquire()} reads the state the actor last published (one volatile read while closed;
 *       half-open adds a CAS on the probe permits);</li>
 *   <li>{@link #record} adds the outcome to lock-free window counters; only on a failure does it
 *       check the trip conditions, and only a crossing sends the actor one message (guarded by a flag,
 *       so a burst of failures sends one). The actor re-checks, opens, logs and schedules half-open.</li>
 * </ul>
 *
 * In steady state (closed, calls succeeding) no message is sent at all. Half-open probe outcomes are
 * messages: there are at most {@code halfOpenSuccesses} of them per cooling period.
 *
 * <p><b>Ownership.</b> The actor is a child of an {@link ActorOwner} (the channel's), named
 * {@code breaker-<scope>-<n>}, and is restarted when it throws. The published snapshot is the
 * breaker's state of record: a restarted actor resumes from it (see {@link BreakerActor}), so an open
 * breaker still cools, half-opens and closes, and the settings last asked for with {@link #update}
 * are applied again if the crash lost them. Closing the owner stops the actor; {@link #close} stops it
 * alone.
 */
public final class CircuitBreaker implements AutoCloseable {

    private final String name;
    private final OwnedActor<BreakerActor.Command> actor;
    final AtomicLong consecutive = new AtomicLong();
    final AtomicBoolean tripRequested = new AtomicBoolean();
    final LongAdder rejected = new LongAdder();
    final AtomicLong transitions = new AtomicLong();
    volatile Published published;
    /** The settings last asked for ({@link #update}); the actor re-applies them after a restart. */
    volatile BreakerSettings requested;
    /** How often an actor instance has started: written by the actor only (tests read it). */
    volatile int actorStarts;

    private CircuitBreaker(ActorOwner owner, String name, BreakerSettings settings) {
        this.name = name;
        this.requested = settings;
        this.published = Published.closed(settings, new WindowCounter(settings.window(), settings.buckets()));
        this.actor = owner.spawn("breaker-" + name, BreakerActor.create(this));
    }

    /**
     * A breaker called {@code name} (its scope, used in logs and error messages) whose actor lives under
     * {@code owner}.
     */
    public static CircuitBreaker create(ActorOwner owner, String name, BreakerSettings settings) {
        return new CircuitBreaker(requireNonNull(owner, "owner"), requireNonNull(name, "name"),
                requireNonNull(settings, "settings"));
    }

    /** The breaker's scope. */
    public String name() {
        return name;
    }

    /** The settings in force. */
    public BreakerSettings settings() {
        return published.settings;
    }

    /** The state in force (as the call path sees it). */
    public BreakerState state() {
        return published.state;
    }

    /**
     * Admits one call, returning the permit to pass to {@link #record}, or throws a
     * {@link StatusException} with {@code UNAVAILABLE} naming this breaker when it is open (or
     * half-open with every probe taken).
     */
    public Permit acquire() {
        Published p = published;
        if (p.state == BreakerState.CLOSED || !p.settings.enabled()) {
            return Permit.PASS;
        }
        if (p.state == BreakerState.HALF_OPEN) {
            AtomicInteger probes = p.probes;
            for (int left = probes.get(); left > 0; left = probes.get()) {
                if (probes.compareAndSet(left, left - 1)) {
                    return new Permit(p.generation);
                }
            }
        }
        rejected.increment();
        throw rejection(p);
    }

    /** Whether a call would be admitted now (for balancers skipping open instances); takes no permit. */
    public boolean admits() {
        Published p = published;
        return p.state == BreakerState.CLOSED || !p.settings.enabled()
                || (p.state == BreakerState.HALF_OPEN && p.probes.get() > 0);
    }

    /** Reports how the call admitted with {@code permit} ended. */
    public void record(Permit permit, StatusCode code) {
        requireNonNull(permit, "permit");
        Published p = published;
        if (permit.probe()) {
            actor.tell(code == StatusCode.CANCELLED
                    ? new BreakerActor.ProbeAbandoned(permit.generation)
                    : new BreakerActor.ProbeResult(permit.generation, p.settings.isFailure(code)));
            return;
        }
        if (code == StatusCode.CANCELLED || p.state != BreakerState.CLOSED || !p.settings.enabled()) {
            return; // the caller gave up, or a late outcome of a call admitted before the breaker opened
        }
        boolean failure = p.settings.isFailure(code);
        p.counter.record(!failure);
        if (!failure) {
            if (consecutive.get() != 0) {
                consecutive.set(0); // read first: successes do not write a shared line in steady state
            }
            return;
        }
        long inARow = consecutive.incrementAndGet();
        if (tripConditionHolds(p.settings, p.counter, inARow) && tripRequested.compareAndSet(false, true)) {
            actor.tell(BreakerActor.Evaluate.INSTANCE);
        }
    }

    /** Reports how a call ended from its failure ({@code null}: success). */
    public void record(Permit permit, Throwable failure) {
        record(permit, failure == null ? StatusCode.OK : Status.fromThrowable(failure).code());
    }

    /** Replaces the settings at run time; the actor applies them (keeping the state, resizing the window if needed). */
    public void update(BreakerSettings settings) {
        requested = requireNonNull(settings, "settings");
        actor.tell(new BreakerActor.Update(settings));
    }

    /** The state and counts now, read without a round trip to the actor. */
    public BreakerStats stats() {
        Published p = published;
        WindowCounter.Totals t = p.counter.totals();
        long openFor = p.state == BreakerState.OPEN ? Math.max(0, p.openUntilNanos - System.nanoTime()) : 0;
        return new BreakerStats(name, p.state, t.successes(), t.failures(), consecutive.get(), rejected.sum(),
                transitions.get(), Duration.ofNanos(openFor), p.reason);
    }

    /** Stops the breaker's actor (its owner's closing stops it too). */
    @Override
    public void close() {
        actor.tell(BreakerActor.Stop.INSTANCE);
    }

    /** The actor's handle (tests make it fail through {@code FailureInjection}). */
    OwnedActor<BreakerActor.Command> actor() {
        return actor;
    }

    static boolean tripConditionHolds(BreakerSettings s, WindowCounter counter, long inARow) {
        if (s.consecutiveFailures() > 0 && inARow >= s.consecutiveFailures()) {
            return true;
        }
        if (s.errorCount() == 0 && s.errorRate() == 0) {
            return false;
        }
        WindowCounter.Totals t = counter.totals();
        return (s.errorCount() > 0 && t.failures() >= s.errorCount())
                || (s.errorRate() > 0 && t.total() >= s.minSamples() && t.errorRate() >= s.errorRate());
    }

    private StatusException rejection(Published p) {
        String when = p.state == BreakerState.OPEN
                ? "open for " + Math.max(0, (p.openUntilNanos - System.nanoTime()) / 1_000_000) + " ms more"
                : "half-open with every probe in flight";
        return Status.of(StatusCode.UNAVAILABLE, "circuit breaker '" + name + "' is " + when
                + " (opened: " + p.reason + ")").asException();
    }

    /**
     * An admitted call's ticket: shared while closed (no allocation), one per probe while half-open.
     */
    public static final class Permit {
        static final Permit PASS = new Permit(-1);

        final long generation;

        Permit(long generation) {
            this.generation = generation;
        }

        boolean probe() {
            return generation >= 0;
        }
    }

    /** What the actor publishes: immutable except the counters and probe permits it hands out. */
    static final class Published {
        final BreakerState state;
        final BreakerSettings settings;
        final WindowCounter counter;
        final AtomicInteger probes;
        final long generation;
        final long openedAtNanos;
        final long openUntilNanos;
        final String reason;

        Published(BreakerState state, BreakerSettings settings, WindowCounter counter, int probes, long generation,
                long openedAtNanos, long openUntilNanos, String reason) {
            this.state = state;
            this.settings = settings;
            this.counter = counter;
            this.probes = new AtomicInteger(probes);
            this.generation = generation;
            this.openedAtNanos = openedAtNanos;
            this.openUntilNanos = openUntilNanos;
            this.reason = reason;
        }

        static Published closed(BreakerSettings settings, WindowCounter counter) {
            return new Published(BreakerState.CLOSED, settings, counter, 0, 0, 0, 0, "");
        }
    }
}
