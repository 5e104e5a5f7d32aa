package io.skein.governance.retry;

import io.skein.governance.balancer.Routing;
import io.skein.governance.discovery.Instance;
import io.skein.governance.internal.Futures;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * One logical unary call made of attempts: the first, failure retries (after a backoff, each to an
 * instance not tried yet when another exists) and backup requests (after the backup delay, while an
 * attempt is still out). The first success wins and every other attempt is cancelled on the wire; a
 * non-retryable failure ends the call at once; a retryable failure waits for attempts still out, then
 * retries while retries, the budget and the deadline allow. All attempts share the caller's deadline.
 */
final class RetryingCall<Req, Resp> {

    /** An attempt is not started with less than this left before the deadline. */
    private static final long MIN_ATTEMPT_NANOS = 1_000_000;

    private final ActorSystem<?> system;
    private final ClientChannel channel;
    private final MethodDescriptor<Req, Resp> method;
    private final Req request;
    private final CallOptions options;
    private final RetryPolicy retry;
    private final BackupPolicy backup;
    private final RetryBudget budget;
    private final long deadlineNanos;
    private final CompletableFuture<Resp> result = new CompletableFuture<>();

    // Guarded by this.
    private final List<CompletableFuture<Resp>> inFlight = new ArrayList<>(2);
    private final Set<String> tried = new HashSet<>();
    private int attempts;
    private int retriesLeft;
    private int backupsLeft;
    private Cancellable backupTimer;
    private Cancellable retryTimer;

    RetryingCall(ActorSystem<?> system, ClientChannel channel, MethodDescriptor<Req, Resp> method, Req request,
            CallOptions options, RetryPolicy retry, int retries, BackupPolicy backup, int backups, RetryBudget budget) {
        this.system = system;
        this.channel = channel;
        this.method = method;
        this.request = request;
        this.options = options;
        this.retry = retry;
        this.backup = backup;
        this.budget = budget;
        this.retriesLeft = retries;
        this.backupsLeft = backups;
        Duration timeout = options.timeout();
        this.deadlineNanos = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    }

    CompletableFuture<Resp> start() {
        result.whenComplete((v, f) -> {
            if (result.isCancelled()) {
                cancelAll();
            }
        });
        launch();
        return result;
    }

    private void launch() {
        CallOptions attemptOptions;
        synchronized (this) {
            if (result.isDone()) {
                return;
            }
            attemptOptions = attemptOptions(attempts++);
        }
        Routing.Picked picked = new Routing.Picked();
        CompletableFuture<Resp> attempt;
        try {
            attempt = channel.unary(method, request, attemptOptions.withAttribute(Routing.PICKED, picked))
                    .toCompletableFuture();
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        boolean late;
        synchronized (this) {
            Instance instance = picked.instance();
            if (instance != null) {
                tried.add(instance.nodeId());
            }
            late = result.isDone();
            if (!late) {
                inFlight.add(attempt);
                armBackup();
            }
        }
        if (late) {
            attempt.cancel(true); // decided (or cancelled by the caller) while this attempt started
            return;
        }
        CompletableFuture<Resp> self = attempt;
        attempt.whenComplete((v, f) -> onAttemptDone(self, v, f));
    }

    private CallOptions attemptOptions(int n) {
        CallOptions o = options;
        if (n > 0) {
            // Chain stop: a hop serving a retry (or backup) does not retry its own calls again.
            o = o.withMetadata(o.metadata().toBuilder().putPersistent(RetryChannel.RETRIED_KEY, Integer.toString(n))
                    .build());
        }
        if (!tried.isEmpty()) {
            o = o.withAttribute(Routing.AVOID, Set.copyOf(tried));
        }
        if (deadlineNanos != Long.MAX_VALUE && n > 0) {
            o = o.withTimeout(Duration.ofNanos(Math.max(MIN_ATTEMPT_NANOS, deadlineNanos - System.nanoTime())));
        }
        return o;
    }

    // Holding the lock.
    private void armBackup() {
        if (backupsLeft > 0 && backupTimer == null) {
            backupTimer = system.scheduler().scheduleOnce(backup.delay(), this::onBackupDelay, system.executionContext());
        }
    }

    private void onBackupDelay() {
        synchronized (this) {
            backupTimer = null;
            if (result.isDone() || inFlight.isEmpty() || backupsLeft == 0 || !timeLeft(0)) {
                return;
            }
            if (!budget.tryRetry()) {
                return; // a slow or failing service must not get twice the load (Kitex's backup storms)
            }
            backupsLeft--;
        }
        launch();
    }

    private void onAttemptDone(CompletableFuture<Resp> attempt, Resp value, Throwable failure) {
        if (attempt.isCancelled()) {
            return; // a loser we cancelled, or the caller cancelled the call
        }
        Throwable cause = failure == null ? null : Futures.unwrap(failure);
        StatusCode code = cause == null ? StatusCode.OK : Status.fromThrowable(cause).code();
        boolean retryable = cause != null && retry.retryable(code);
        budget.record(retryable);
        List<CompletableFuture<Resp>> losers;
        boolean retryNow = false;
        synchronized (this) {
            inFlight.remove(attempt);
            if (result.isDone()) {
                return;
            }
            if (retryable) {
                if (!inFlight.isEmpty()) {
                    return; // another attempt is still out and may answer
                }
                if (retriesLeft > 0) {
                    long backoff = retry.backoff().nextDelayNanos();
                    if (timeLeft(backoff) && budget.tryRetry()) {
                        retriesLeft--;
                        if (backoff > 0) {
                            retryTimer = system.scheduler().scheduleOnce(Duration.ofNanos(backoff), this::retryAfterBackoff,
                                    system.executionContext());
                            return;
                        }
                        retryNow = true;
                    }
                }
            }
            losers = retryNow ? List.of() : new ArrayList<>(inFlight);
            if (!retryNow) {
                inFlight.clear();
                cancelTimers();
            }
        }
        if (retryNow) {
            launch();
            return;
        }
        losers.forEach(l -> l.cancel(true)); // before answering, so the caller never sees a loser still running
        if (cause == null) {
            result.complete(value);
        } else {
            result.completeExceptionally(cause);
        }
    }

    private void retryAfterBackoff() {
        synchronized (this) {
            retryTimer = null;
        }
        launch();
    }

    // Holding the lock: whether an attempt after waiting waitNanos still has time before the deadline.
    private boolean timeLeft(long waitNanos) {
        return deadlineNanos == Long.MAX_VALUE || deadlineNanos - System.nanoTime() - waitNanos > MIN_ATTEMPT_NANOS;
    }

    // Holding the lock.
    private void cancelTimers() {
        if (backupTimer != null) {
            backupTimer.cancel();
            backupTimer = null;
        }
        if (retryTimer != null) {
            retryTimer.cancel();
            retryTimer = null;
        }
    }

    private void cancelAll() {
        List<CompletableFuture<Resp>> all;
        synchronized (this) {
            all = new ArrayList<>(inFlight);
            inFlight.clear();
            cancelTimers();
        }
        all.forEach(a -> a.cancel(true));
    }
}
