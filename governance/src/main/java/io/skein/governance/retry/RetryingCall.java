package io.skein.governance.retry;

import io.skein.governance.internal.Futures;
import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.ClientCallContext;
import io.skein.transport.ClientChannel;
import io.skein.transport.MethodDescriptor;
import io.skein.transport.ResponseMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * One logical unary call made of attempts: the first, failure retries (after a backoff, each to an
 * instance not tried yet when another exists) and backup requests (after the backup delay, while an
 * attempt is still out). The first success wins and every other attempt is cancelled on the wire; a
 * non-retryable failure ends the call at once; a retryable failure waits for attempts still out, then
 * retries while retries, the budget and the deadline allow.
 *
 * <p>Each attempt runs under a {@linkplain ClientCallContext#newAttempt child} of the call's context:
 * it shares the call's deadline, carries its own metadata (the chain-stop mark) and routing hint,
 * records the instance it went to, and is cancelled when the call is. The winner's response metadata
 * becomes the call's.
 */
final class RetryingCall<Req, Resp> {

    /** An attempt is not started with less than this left before the deadline. */
    private static final long MIN_ATTEMPT_NANOS = 1_000_000;

    private final ActorSystem<?> system;
    private final ClientChannel channel;
    private final MethodDescriptor<Req, Resp> method;
    private final Req request;
    private final ClientCallContext context;
    private final RetryPolicy retry;
    private final BackupPolicy backup;
    private final RetryBudget budget;
    private final CompletableFuture<Resp> result = new CompletableFuture<>();

    // Guarded by this.
    private final List<Attempt<Resp>> inFlight = new ArrayList<>(2);
    private final Set<String> tried = new HashSet<>();
    private int attempts;
    private int retriesLeft;
    private int backupsLeft;
    private Cancellable backupTimer;
    private Cancellable retryTimer;

    private record Attempt<Resp>(ClientCallContext context, CompletionStage<Resp> result) {
    }

    RetryingCall(ActorSystem<?> system, ClientChannel channel, MethodDescriptor<Req, Resp> method, Req request,
            ClientCallContext context, RetryPolicy retry, int retries, BackupPolicy backup, int backups,
            RetryBudget budget) {
        this.system = system;
        this.channel = channel;
        this.method = method;
        this.request = request;
        this.context = context;
        this.retry = retry;
        this.backup = backup;
        this.budget = budget;
        this.retriesLeft = retries;
        this.backupsLeft = backups;
    }

    CompletableFuture<Resp> start() {
        context.onCancel(status -> {
            cancelAll(); // the attempts' contexts are cancelled with the call's; stop timers and forget them
            result.completeExceptionally(status.asException());
        });
        launch();
        return result;
    }

    private void launch() {
        ClientCallContext attemptContext;
        synchronized (this) {
            if (result.isDone()) {
                return;
            }
            attemptContext = context.newAttempt(attemptMetadata(attempts++), Set.copyOf(tried));
        }
        CompletionStage<Resp> call;
        try {
            call = channel.unary(method, request, attemptContext);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        Attempt<Resp> attempt = new Attempt<>(attemptContext, call);
        boolean late;
        synchronized (this) {
            String instance = attemptContext.pickedInstance();
            if (instance != null) {
                tried.add(instance);
            }
            late = result.isDone();
            if (!late) {
                inFlight.add(attempt);
                armBackup();
            }
        }
        if (late) {
            attemptContext.cancel(); // decided (or cancelled by the caller) while this attempt started
            return;
        }
        call.whenComplete((v, f) -> onAttemptDone(attempt, v, f));
    }

    private Metadata attemptMetadata(int n) {
        Metadata md = context.metadata();
        if (n > 0) {
            // Chain stop: a hop serving a retry (or backup) does not retry its own calls again.
            md = md.toBuilder().putPersistent(RetryChannel.RETRIED_KEY, Integer.toString(n)).build();
        }
        return md;
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
        budget.countBackup();
        launch();
    }

    private void onAttemptDone(Attempt<Resp> attempt, Resp value, Throwable failure) {
        if (attempt.context().isCancelled()) {
            return; // a loser we cancelled, or the caller cancelled the call
        }
        Throwable cause = failure == null ? null : Futures.unwrap(failure);
        StatusCode code = cause == null ? StatusCode.OK : Status.fromThrowable(cause).code();
        boolean retryable = cause != null && retry.retryable(code);
        budget.record(retryable);
        List<Attempt<Resp>> losers;
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
                        budget.countRetry();
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
        losers.forEach(l -> l.context().cancel()); // before answering, so the caller never sees a loser still running
        forwardResponseMetadata(attempt.context());
        if (cause == null) {
            result.complete(value);
        } else {
            result.completeExceptionally(cause);
        }
    }

    /** The deciding attempt's response metadata is the call's. */
    private void forwardResponseMetadata(ClientCallContext winner) {
        ResponseMetadata to = context.responseMetadata();
        ResponseMetadata from = winner.responseMetadata();
        if (to != null && from != null) {
            from.headers().thenAccept(to::completeHeaders);
            from.trailers().thenAccept(to::completeTrailers);
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
        return !context.hasDeadline()
                || context.deadlineNanos() - System.nanoTime() - waitNanos > MIN_ATTEMPT_NANOS;
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
        List<Attempt<Resp>> all;
        synchronized (this) {
            all = new ArrayList<>(inFlight);
            inFlight.clear();
            cancelTimers();
        }
        all.forEach(a -> a.context().cancel());
    }
}
