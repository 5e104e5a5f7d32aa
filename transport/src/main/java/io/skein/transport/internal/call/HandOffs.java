package io.skein.transport.internal.call;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The unary calls one read of a connection completed, held until the read ends and then handed to their
 * service's {@link io.skein.transport.ServerMethodHandler#executor() executor} as one task: one thread
 * wake-up per batch of calls instead of one per call or two. Without this, the I/O thread hands each
 * call over as it parses it, and the service's thread, woken for the first, preempts the I/O thread on
 * a shared core and finds one call waiting; a transport that takes each request the moment it lands
 * (shared memory polling) then pays a pair of context switches per call or two.
 *
 * <p>Ownership and threads: one per {@link Connection}, used on its event loop only. Invariant: every
 * task {@linkplain #add added} runs exactly once — in the batch {@link #flush()} submits, inline when the
 * executor refuses it, in the order added. The protocol handler calls {@link #flush()} when a read ends
 * and when the channel closes, so no task waits longer than the read that produced it.
 */
final class HandOffs {

    private static final Logger log = LoggerFactory.getLogger(HandOffs.class);

    private List<Runnable> tasks = new ArrayList<>();
    private Executor executor;

    /** Holds {@code task} for {@code executor} until the next {@link #flush()}; a different executor flushes first. */
    void add(Executor executor, Runnable task) {
        if (this.executor != executor && !tasks.isEmpty()) {
            flush();
        }
        this.executor = executor;
        tasks.add(task);
    }

    /** Whether tasks are waiting for the read to end. */
    boolean isEmpty() {
        return tasks.isEmpty();
    }

    /** Hands the tasks held so far to their executor as one task. */
    void flush() {
        if (tasks.isEmpty()) {
            return;
        }
        List<Runnable> batch = tasks;
        Executor target = executor;
        tasks = new ArrayList<>(Math.max(4, batch.size()));
        executor = null;
        Runnable run = batch.size() == 1 ? batch.get(0) : () -> runAll(batch);
        try {
            target.execute(run);
        } catch (RejectedExecutionException e) {
            run.run(); // the executor is shutting down: hand the calls over here, where they fail or finish
        }
    }

    private static void runAll(List<Runnable> batch) {
        for (Runnable task : batch) {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("a call's hand-over to its service failed", e);
            }
        }
    }
}
