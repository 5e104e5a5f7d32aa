package io.skein.governance.retry;

import static io.skein.governance.testing.ScriptedChannel.SAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.transport.supervision.ActorOwner;
import io.skein.governance.testing.ScriptedChannel;
import io.skein.protocols.Metadata;
import io.skein.protocols.StatusCode;
import io.skein.protocols.StatusException;
import io.skein.testing.Await;
import io.skein.transport.CallOptions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class RetryChannelTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final ActorOwner owner = ActorOwner.create(testKit.system(), "retry");
    private static final BudgetSettings NO_BUDGET = new BudgetSettings(false, 0.1, 10, Duration.ofSeconds(10), 10);

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    private static RetryChannel.Plan plan(int retries, Backoff backoff, boolean idempotent, BackupPolicy backup) {
        return new RetryChannel.Plan(new RetryPolicy(true, retries, backoff, Set.of(StatusCode.UNAVAILABLE), false,
                NO_BUDGET), backup, idempotent);
    }

    private static StatusCode failureCode(CompletableFuture<?> f) {
        return ((StatusException) Await.failure(f, LIMIT)).code();
    }

    @Test
    void retriesARetryableFailureUpToMaxAndMarksRetriesForChainStop() {
        ScriptedChannel below = ScriptedChannel.failing(StatusCode.UNAVAILABLE);
        RetryChannel retry = RetryChannel.create(owner, below, m -> plan(2, Backoff.NONE, true, BackupPolicy.OFF));
        assertEquals(StatusCode.UNAVAILABLE, failureCode(retry.unary(SAY, "x", CallOptions.DEFAULT).toCompletableFuture()));
        assertEquals(3, below.attempts.size(), "first attempt + max-retries 2");
        assertNull(below.contexts.get(0).metadata().persistentValues().get(RetryChannel.RETRIED_KEY));
        assertEquals("1", below.contexts.get(1).metadata().persistentValues().get(RetryChannel.RETRIED_KEY));
        assertEquals("2", below.contexts.get(2).metadata().persistentValues().get(RetryChannel.RETRIED_KEY));
    }

    @Test
    void succeedsOnRetry() {
        ScriptedChannel below = new ScriptedChannel(n -> n == 0
                ? CompletableFuture.failedFuture(new StatusException(StatusCode.UNAVAILABLE, "down"))
                : CompletableFuture.completedFuture("ok " + n));
        RetryChannel retry = RetryChannel.create(owner, below,
                m -> plan(2, new Backoff(Backoff.Kind.RANDOM, Duration.ofMillis(1), Duration.ofMillis(3)), true,
                        BackupPolicy.OFF));
        assertEquals("ok 1", Await.result(retry.unary(SAY, "x", CallOptions.DEFAULT), LIMIT));
        assertEquals(2, below.attempts.size());
    }

    @Test
    void doesNotRetryNonIdempotentMethodsNonRetryableCodesOrChainStoppedCalls() {
        ScriptedChannel below = ScriptedChannel.failing(StatusCode.UNAVAILABLE);
        RetryChannel notIdempotent = RetryChannel.create(owner, below,
                m -> plan(2, Backoff.NONE, false, BackupPolicy.OFF));
        failureCode(notIdempotent.unary(SAY, "x", CallOptions.DEFAULT).toCompletableFuture());
        assertEquals(1, below.attempts.size());

        ScriptedChannel invalid = ScriptedChannel.failing(StatusCode.INVALID_ARGUMENT);
        RetryChannel retry = RetryChannel.create(owner, invalid, m -> plan(2, Backoff.NONE, true, BackupPolicy.OFF));
        assertEquals(StatusCode.INVALID_ARGUMENT, failureCode(retry.unary(SAY, "x", CallOptions.DEFAULT).toCompletableFuture()));
        assertEquals(1, invalid.attempts.size());

        ScriptedChannel chained = ScriptedChannel.failing(StatusCode.UNAVAILABLE);
        RetryChannel downstream = RetryChannel.create(owner, chained,
                m -> plan(2, Backoff.NONE, true, BackupPolicy.OFF));
        CallOptions arrivedAsRetry = CallOptions.DEFAULT.withMetadata(
                Metadata.builder().putPersistent(RetryChannel.RETRIED_KEY, "1").build());
        failureCode(downstream.unary(SAY, "x", arrivedAsRetry).toCompletableFuture());
        assertEquals(1, chained.attempts.size(), "a hop serving a retry does not retry again");
    }

    @Test
    void stopsWhenTheRemainingDeadlineCannotCoverTheBackoff() {
        ScriptedChannel below = ScriptedChannel.failing(StatusCode.UNAVAILABLE);
        RetryChannel retry = RetryChannel.create(owner, below,
                m -> plan(5, new Backoff(Backoff.Kind.FIXED, Duration.ofMinutes(1), Duration.ZERO), true, BackupPolicy.OFF));
        failureCode(retry.unary(SAY, "x", CallOptions.timeout(Duration.ofSeconds(5))).toCompletableFuture());
        assertEquals(1, below.attempts.size(), "a 1 min backoff does not fit a 5 s deadline");
    }

    @Test
    void backupAnswersFirstAndTheSlowAttemptIsCancelled() {
        CompletableFuture<String> slow = new CompletableFuture<>();
        ScriptedChannel below = new ScriptedChannel(n -> n == 0 ? slow : CompletableFuture.completedFuture("backup"));
        RetryChannel retry = RetryChannel.create(owner, below,
                m -> plan(0, Backoff.NONE, true, new BackupPolicy(true, Duration.ofMillis(20), 1)));
        assertEquals("backup", Await.result(retry.unary(SAY, "x", CallOptions.DEFAULT), LIMIT));
        assertEquals(2, below.attempts.size());
        assertTrue(slow.isCancelled(), "the loser is cancelled (on the wire, through the channel's future)");
        assertEquals("1", below.contexts.get(1).metadata().persistentValues().get(RetryChannel.RETRIED_KEY));
    }

    @Test
    void cancellingTheCallCancelsEveryAttempt() {
        CompletableFuture<String> hanging = new CompletableFuture<>();
        ScriptedChannel below = new ScriptedChannel(n -> hanging);
        RetryChannel retry = RetryChannel.create(owner, below, m -> plan(2, Backoff.NONE, true, BackupPolicy.OFF));
        CompletableFuture<String> call = retry.unary(SAY, "x", CallOptions.DEFAULT).toCompletableFuture();
        call.cancel(true);
        assertTrue(hanging.isCancelled());
        assertFalse(below.attempts.size() > 1);
    }

    @Test
    void anExhaustedBudgetStopsRetries() {
        ScriptedChannel below = ScriptedChannel.failing(StatusCode.UNAVAILABLE);
        BudgetSettings budget = new BudgetSettings(true, 0.1, 6, Duration.ofSeconds(30), 10);
        RetryChannel retry = RetryChannel.create(owner, below, m -> new RetryChannel.Plan(
                new RetryPolicy(true, 2, Backoff.NONE, Set.of(StatusCode.UNAVAILABLE), false, budget), BackupPolicy.OFF,
                true));
        failureCode(retry.unary(SAY, "x", CallOptions.DEFAULT).toCompletableFuture());
        failureCode(retry.unary(SAY, "x", CallOptions.DEFAULT).toCompletableFuture());
        assertEquals(6, below.attempts.size(), "retried while under min-samples");
        Await.until(LIMIT, () -> !retry.stats().get(0).allowed(), () -> "budget exhausted");
        int before = below.attempts.size();
        for (int i = 0; i < 20; i++) {
            failureCode(retry.unary(SAY, "x", CallOptions.DEFAULT).toCompletableFuture());
        }
        assertEquals(before + 20, below.attempts.size(), "no retries while the budget is exhausted");
        assertTrue(retry.stats().get(0).denied() >= 20);
    }
}
