package io.skein.examples.echo;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Business work for load tests: {@link #burn} keeps the calling thread busy until it has spent the
 * given CPU time. It measures the thread's own CPU time where the JVM offers it (Linux does), so time
 * the thread spends descheduled on a busy machine does not count as work done; otherwise wall-clock
 * time. Stateless and thread-safe; it blocks only the calling thread, and only for as long as asked.
 */
public final class CpuWork {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean THREAD_CPU_TIME = threadCpuTime();
    // Arithmetic between clock reads: about a microsecond of work, so the clock's cost stays small.
    private static final int SPIN = 256;
    private static volatile long sink;

    private CpuWork() {
    }

    /** Whether {@link #burn} counts the thread's CPU time (true) or wall-clock time (false). */
    public static boolean measuresThreadCpuTime() {
        return THREAD_CPU_TIME;
    }

    /**
     * Spends at least {@code micros} microseconds of this thread's CPU time computing; returns at once
     * for {@code micros <= 0}.
     */
    public static void burn(long micros) {
        if (micros <= 0) {
            return;
        }
        long nanos = micros * 1_000L;
        long start = now();
        long x = start | 1;
        do {
            for (int i = 0; i < SPIN; i++) { // xorshift: cheap, and not optimised away (sink)
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
            }
        } while (now() - start < nanos);
        sink = x;
    }

    private static long now() {
        return THREAD_CPU_TIME ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    private static boolean threadCpuTime() {
        try {
            if (!THREADS.isCurrentThreadCpuTimeSupported()) {
                return false;
            }
            if (!THREADS.isThreadCpuTimeEnabled()) {
                THREADS.setThreadCpuTimeEnabled(true);
            }
            return THREADS.getCurrentThreadCpuTime() >= 0;
        } catch (UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
