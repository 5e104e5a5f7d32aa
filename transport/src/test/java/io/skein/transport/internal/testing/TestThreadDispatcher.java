package io.skein.transport.internal.testing;

import com.typesafe.config.Config;
import io.skein.transport.testing.Servers;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;

/**
 * A Pekko dispatcher whose tasks run on the test thread, when it {@linkplain Tasks#runAll() pumps}.
 *
 * <p>Why: an {@link io.netty.channel.embedded.EmbeddedChannel}'s event loop is not thread-safe and
 * claims every thread is its own ({@code inEventLoop()} is always true), so a call-stream stage
 * running on an ordinary dispatcher would write into the pipeline from an actor thread while the test
 * reads it. With {@link #hocon} as the stream materializer's dispatcher, every stream actor (the
 * call-stream stages and the services fused with them) runs on the test thread, interleaved with the
 * embedded event loop by one pump loop: deterministic, and still the real actors and stages.
 *
 * <p>When the test class is done, {@link Tasks#handOff()} moves the dispatcher to a pool so the
 * actor system can stop its actors.
 */
public final class TestThreadDispatcher {

    /** The config path of the dispatcher {@link #hocon} defines. */
    public static final String ID = "skein-test-thread-dispatcher";

    private static final Map<String, Tasks> QUEUES = new ConcurrentHashMap<>();

    private TestThreadDispatcher() {
    }

    /** Config that runs every stream actor on the queue named {@code name} (use the test class name). */
    public static String hocon(String name) {
        return """
                pekko.stream.materializer.dispatcher = "%s"
                %s {
                  type = Dispatcher
                  executor = "%s"
                  queue-name = "%s"
                  throughput = 64
                }
                """.formatted(ID, ID, Configurator.class.getName(), name);
    }

    /** Test-kit config ({@link io.skein.transport.testing.Servers#config}) with this dispatcher and {@code hocon}. */
    public static Config config(String name, String hocon) {
        return Servers.config(hocon(name) + "\n" + hocon);
    }

    /** The queue named {@code name} (created on first use). */
    public static Tasks tasks(String name) {
        return QUEUES.computeIfAbsent(name, n -> new Tasks());
    }

    /** The tasks of one dispatcher: queued by any thread, run by the test thread. */
    public static final class Tasks extends AbstractExecutorService {

        private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
        private volatile Executor delegate;
        private volatile boolean shutdown;

        @Override
        public void execute(Runnable task) {
            Executor d = delegate;
            if (d != null) {
                d.execute(task);
                return;
            }
            queue.add(task);
            if (delegate != null) {
                moveQueued(); // handed off meanwhile: nothing may stay behind
            }
        }

        /** Runs queued tasks on the calling thread until none is left; returns how many ran. */
        public int runAll() {
            int ran = 0;
            for (Runnable task; delegate == null && (task = queue.poll()) != null; ) {
                task.run();
                ran++;
            }
            return ran;
        }

        /** Whether no task is waiting. */
        public boolean isIdle() {
            return queue.isEmpty();
        }

        /** From now on tasks run on a pool (so the actor system can shut down without the test pumping). */
        public void handOff() {
            delegate = ForkJoinPool.commonPool();
            moveQueued();
            QUEUES.values().remove(this);
        }

        private void moveQueued() {
            for (Runnable task; (task = queue.poll()) != null; ) {
                delegate.execute(task);
            }
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }

    /** Pekko instantiates this by name from {@link #hocon}. */
    public static final class Configurator extends ExecutorServiceConfigurator {

        private final String name;

        public Configurator(Config config, DispatcherPrerequisites prerequisites) {
            super(config, prerequisites);
            this.name = config.getString("queue-name");
        }

        @Override
        public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
            Tasks tasks = tasks(name);
            return () -> (ExecutorService) tasks;
        }
    }
}
