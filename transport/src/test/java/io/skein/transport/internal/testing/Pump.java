package io.skein.transport.internal.testing;

import io.netty.channel.embedded.EmbeddedChannel;
import io.skein.testing.Await;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Runs an {@link EmbeddedChannel}'s event loop and the {@link TestThreadDispatcher} together on the
 * test thread: what the actors do and what the event loop does interleave as they would on a real
 * loop, one task at a time, without a second thread touching the channel.
 */
public final class Pump {

    /** How long any wait in a handler test may take before it fails. */
    public static final Duration LIMIT = Duration.ofSeconds(5);

    private final EmbeddedChannel channel;
    private final TestThreadDispatcher.Tasks tasks;

    public Pump(EmbeddedChannel channel, TestThreadDispatcher.Tasks tasks) {
        this.channel = channel;
        this.tasks = tasks;
    }

    /** Runs event-loop tasks (due timers included) and actor tasks until neither has anything left. */
    public void runUntilIdle() {
        for (int round = 0; round < 10_000; round++) {
            channel.runPendingTasks();
            int ran = tasks == null ? 0 : tasks.runAll();
            if (ran == 0 && !channel.hasPendingTasks()) {
                return;
            }
        }
        throw new AssertionError("the event loop and the actors did not settle after 10000 rounds");
    }

    /**
     * Pumps until {@code condition} holds; fails after {@link #LIMIT}. For what waits on real time
     * (a Pekko timer, a scheduler thread), the poll is bounded and never a fixed sleep.
     */
    public void until(BooleanSupplier condition, Supplier<String> what) {
        Await.until(LIMIT, () -> {
            runUntilIdle();
            return condition.getAsBoolean();
        }, what);
    }
}
