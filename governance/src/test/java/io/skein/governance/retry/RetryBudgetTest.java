package io.skein.governance.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.transport.supervision.ActorOwner;
import io.skein.transport.supervision.FailureInjection;
import io.skein.testing.Await;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

    private static final ActorTestKit testKit = ActorTestKit.create();
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final ActorOwner owner = ActorOwner.create(testKit.system(), "budgets");

    @AfterAll
    static void shutdown() {
        testKit.shutdownTestKit();
    }

    @Test
    void stopsRetriesAboveTheErrorRateAndAllowsThemAgainWhenTheWindowHasHealed() {
        RetryBudget budget = RetryBudget.create(owner, "test.Svc/Say",
                new BudgetSettings(true, 0.1, 10, Duration.ofMillis(400), 4));
        for (int i = 0; i < 9; i++) {
            budget.record(true);
        }
        assertTrue(budget.allowsRetry(), "below min-samples the rate does not count");
        budget.record(true);
        Await.until(LIMIT, () -> !budget.allowsRetry(), () -> "budget exhausted at 100% of 10");
        assertFalse(budget.tryRetry());
        assertEquals(1, budget.stats().denied());
        // Healthy traffic only: once the failures leave the window the actor's tick allows retries again.
        Await.until(LIMIT, () -> {
            budget.record(false);
            return budget.allowsRetry();
        }, () -> "budget restored");
        budget.close();
    }

    @Test
    void anExhaustedBudgetWhoseActorThrowsStillAllowsRetriesAgainOnceTheWindowHeals() {
        RetryBudget budget = RetryBudget.create(owner, "test.Svc/Crash",
                new BudgetSettings(true, 0.1, 10, Duration.ofMillis(400), 4));
        for (int i = 0; i < 10; i++) {
            budget.record(true);
        }
        Await.until(LIMIT, () -> !budget.allowsRetry(), () -> "budget exhausted");
        FailureInjection.inject(Await.result(budget.actor().ref(), LIMIT), "test");
        assertFalse(budget.tryRetry(), "still exhausted while the actor restarts: the decision is published");
        // The restarted actor re-arms its tick: healthy traffic alone sends it no message.
        Await.until(LIMIT, () -> {
            budget.record(false);
            return budget.allowsRetry();
        }, () -> "budget restored by the restarted actor");
        budget.close();
    }

    @Test
    void aDisabledBudgetNeverStopsRetries() {
        RetryBudget budget = RetryBudget.create(owner, "off",
                new BudgetSettings(false, 0.1, 1, Duration.ofSeconds(10), 10));
        for (int i = 0; i < 50; i++) {
            budget.record(true);
        }
        assertTrue(budget.tryRetry());
        budget.close();
    }
}
