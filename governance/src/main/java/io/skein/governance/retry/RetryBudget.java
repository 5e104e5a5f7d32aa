package io.skein.governance.retry;

import static java.util.Objects.requireNonNull;

import io.skein.governance.internal.WindowCounter;
import io.skein.transport.supervision.ActorOwner;
import io.skein.transport.supervision.OwnedActor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.DeadLetterSuppression;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retry budget of one method, owned by a typed actor. The call path records every attempt in
 * lock-free window counters and reads {@link #allowsRetry()} (a volatile flag the actor publishes).
 * Only when a failure finds the error rate above the limit while retries are still allowed does the
 * call path send the actor one message (a flag suppresses duplicates); the actor re-checks, stops
 * retries and logs it. While retries are stopped the actor re-evaluates once per bucket length and
 * allows them again as soon as the rate is back under the limit, so healthy traffic costs no message.
 *
 * <p><b>Ownership.</b> The actor is a child of an {@link ActorOwner} (the governed channel's), named
 * {@code retry-budget-<method>-<n>}, restarted when it throws. Everything it decides is kept here, in
 * this object (the window, the settings, the published decision), so a restarted actor keeps deciding
 * from where the crashed one left off: it re-applies the settings last requested, re-arms its tick
 * while retries are stopped, and re-checks the window (in case the crash lost a report).
 */
public final class RetryBudget implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RetryBudget.class);
    private static final Object TICK_KEY = "tick";

    private final String name;
    private final OwnedActor<Command> actor;
    private final AtomicBoolean evaluationRequested = new AtomicBoolean();
    private final LongAdder denied = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder backups = new LongAdder();
    private volatile BudgetSettings settings;
    private volatile BudgetSettings requested;
    private volatile WindowCounter counter;
    private volatile boolean allowed = true;

    private RetryBudget(ActorOwner owner, String name, BudgetSettings settings) {
        this.name = name;
        this.settings = settings;
        this.requested = settings;
        this.counter = new WindowCounter(settings.window(), settings.buckets());
        this.actor = owner.spawn("retry-budget-" + name, behavior());
    }

    /** The budget of {@code name} (a method, for logs) whose actor lives under {@code owner}. */
    public static RetryBudget create(ActorOwner owner, String name, BudgetSettings settings) {
        return new RetryBudget(requireNonNull(owner, "owner"), requireNonNull(name, "name"),
                requireNonNull(settings, "settings"));
    }

    /**
     * What the budget shows about itself.
     *
     * @param name      the method it guards
     * @param allowed   whether retries are allowed now
     * @param successes attempts that did not fail retryably in the window
     * @param failures  attempts that failed retryably in the window
     * @param denied    retries and backups refused since creation (budget stops)
     * @param retries   failure retries sent since creation
     * @param backups   backup requests sent since creation
     */
    public record Stats(String name, boolean allowed, long successes, long failures, long denied, long retries,
                        long backups) {
    }

    /** Whether a retry (or backup) may be sent now; counts a refusal when not. */
    public boolean tryRetry() {
        if (allowed || !settings.enabled()) {
            return true;
        }
        denied.increment();
        return false;
    }

    /** Counts one failure retry sent (for stats and metrics). */
    public void countRetry() {
        retries.increment();
    }

    /** Counts one backup request sent (for stats and metrics). */
    public void countBackup() {
        backups.increment();
    }

    /** Whether retries are allowed now (the actor's published decision). */
    public boolean allowsRetry() {
        return allowed || !settings.enabled();
    }

    /** Records one attempt: {@code failure} when it failed with a retryable status. */
    public void record(boolean failure) {
        WindowCounter c = counter;
        c.record(!failure);
        if (failure && allowed && exceeded(settings, c) && evaluationRequested.compareAndSet(false, true)) {
            actor.tell(Evaluate.INSTANCE);
        }
    }

    /** Replaces the settings at run time. */
    public void update(BudgetSettings newSettings) {
        requested = requireNonNull(newSettings, "newSettings");
        actor.tell(new Update(newSettings));
    }

    /** The settings last asked for (through {@link #update}), applied or about to be. */
    public BudgetSettings requestedSettings() {
        return requested;
    }

    /** The state and counts now, without a round trip. */
    public Stats stats() {
        WindowCounter.Totals t = counter.totals();
        return new Stats(name, allowed, t.successes(), t.failures(), denied.sum(), retries.sum(), backups.sum());
    }

    /** Stops the budget's actor (its owner's closing stops it too). */
    @Override
    public void close() {
        actor.tell(Stop.INSTANCE);
    }

    /** The actor's handle (tests make it fail through {@code FailureInjection}). */
    OwnedActor<Command> actor() {
        return actor;
    }

    private static boolean exceeded(BudgetSettings s, WindowCounter c) {
        WindowCounter.Totals t = c.totals();
        return t.total() >= s.minSamples() && t.errorRate() > s.errorRate();
    }

    sealed interface Command {
    }

    private enum Evaluate implements Command { INSTANCE }

    private enum Stop implements Command, DeadLetterSuppression { INSTANCE }

    private record Update(BudgetSettings settings) implements Command {
    }

    private Behavior<Command> behavior() {
        return Behaviors.withTimers(timers -> {
            // A new actor, or a restarted one: the state is in this object; re-arm what the actor drives.
            evaluationRequested.set(false);
            if (requested != settings) {
                apply(requested, timers);
            } else if (!allowed) {
                timers.startTimerWithFixedDelay(TICK_KEY, Evaluate.INSTANCE, settings.window().dividedBy(settings.buckets()));
            }
            evaluate(timers);
            return Behaviors.receive(Command.class)
                    .onMessageEquals(Evaluate.INSTANCE, () -> {
                        evaluate(timers);
                        return Behaviors.same();
                    })
                    .onMessage(Update.class, m -> {
                        apply(m.settings(), timers);
                        return Behaviors.same();
                    })
                    .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
                    .build();
        });
    }

    private void evaluate(TimerScheduler<Command> timers) {
        evaluationRequested.set(false);
        BudgetSettings s = settings;
        WindowCounter.Totals t = counter.totals();
        boolean over = s.enabled() && t.total() >= s.minSamples() && t.errorRate() > s.errorRate();
        if (over && allowed) {
            allowed = false;
            log.warn("retry budget of '{}' exhausted: {}% of {} attempts failed within {} ms "
                    + "(limit {}%); retries and backups stop", name, Math.round(t.errorRate() * 100),
                    t.total(), s.window().toMillis(), Math.round(s.errorRate() * 100));
            timers.startTimerWithFixedDelay(TICK_KEY, Evaluate.INSTANCE, s.window().dividedBy(s.buckets()));
        } else if (!over && !allowed) {
            allowed = true;
            timers.cancel(TICK_KEY);
            log.info("retry budget of '{}' restored: {}% of {} attempts failed within {} ms",
                    name, Math.round(t.errorRate() * 100), t.total(), s.window().toMillis());
        }
    }

    private void apply(BudgetSettings s, TimerScheduler<Command> timers) {
        if (!s.window().equals(settings.window()) || s.buckets() != settings.buckets()) {
            counter = new WindowCounter(s.window(), s.buckets());
        }
        if (!s.equals(settings)) {
            log.info("retry budget of '{}' settings updated: {}", name, s);
        }
        settings = s;
        timers.cancel(TICK_KEY);
        if (!allowed) { // re-evaluated on the next tick with the new limits
            timers.startTimerWithFixedDelay(TICK_KEY, Evaluate.INSTANCE, s.window().dividedBy(s.buckets()));
        }
    }
}
