package io.skein.transport.internal.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** The batching of hand-overs on its own: what runs where, how often and in which order. */
class HandOffsTest {

    /** Queues what it is given, to be run by the test. */
    private static final class QueueExecutor implements Executor {
        final List<Runnable> submitted = new ArrayList<>();

        @Override
        public void execute(Runnable command) {
            submitted.add(command);
        }

        void runAll() {
            List<Runnable> now = new ArrayList<>(submitted);
            submitted.clear();
            now.forEach(Runnable::run);
        }
    }

    private final List<String> ran = new ArrayList<>();
    private final HandOffs handOffs = new HandOffs();

    private Runnable task(String name) {
        return () -> ran.add(name);
    }

    @Test
    void tasksHeldUntilTheFlushGoToTheirExecutorAsOneTaskAndRunOnceInOrder() {
        QueueExecutor executor = new QueueExecutor();
        handOffs.add(executor, task("a"));
        handOffs.add(executor, task("b"));
        handOffs.add(executor, task("c"));
        assertEquals(List.of(), executor.submitted, "nothing is handed over before the read ends");
        assertEquals(List.of(), ran);

        handOffs.flush();
        assertEquals(1, executor.submitted.size(), "one wake-up for the whole read");
        assertTrue(handOffs.isEmpty());
        executor.runAll();
        assertEquals(List.of("a", "b", "c"), ran);

        handOffs.flush();
        assertEquals(List.of(), executor.submitted, "a flush with nothing held submits nothing");
    }

    @Test
    void aTaskForAnotherExecutorFlushesTheBatchBeforeIt() {
        QueueExecutor first = new QueueExecutor();
        QueueExecutor second = new QueueExecutor();
        handOffs.add(first, task("a"));
        handOffs.add(second, task("b"));
        assertEquals(1, first.submitted.size(), "the first executor's batch left when another executor's task came");
        assertEquals(List.of(), second.submitted);

        handOffs.flush();
        first.runAll();
        second.runAll();
        assertEquals(List.of("a", "b"), ran);
    }

    @Test
    void aRefusingExecutorGetsItsTasksRunInlineExactlyOnce() {
        Executor refusing = command -> {
            throw new RejectedExecutionException("shut down");
        };
        handOffs.add(refusing, task("a"));
        handOffs.add(refusing, task("b"));
        handOffs.flush();
        assertEquals(List.of("a", "b"), ran);
        assertTrue(handOffs.isEmpty());
    }

    @Test
    void aTaskThatThrowsDoesNotKeepTheRestOfItsBatchFromRunning() {
        QueueExecutor executor = new QueueExecutor();
        handOffs.add(executor, task("a"));
        handOffs.add(executor, () -> {
            throw new IllegalStateException("boom");
        });
        handOffs.add(executor, task("c"));
        handOffs.flush();
        executor.runAll();
        assertEquals(List.of("a", "c"), ran);
    }
}
