package io.skein.governance.limit;

import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * The call-path half of one limiter: what the owning {@link LimiterActor} last published (one volatile
 * read per call) and the counters calls update with atomics. Only the actor publishes; any thread may
 * acquire and release.
 *
 * <p>The rate limit is a token bucket kept as GCRA's theoretical arrival time in one {@link AtomicLong}:
 * a call is admitted when the bucket's "next free time" is at most {@code (burst - 1) * interval}
 * ahead of now, and moves it one interval on. Lock-free, exact, and no refill timer.
 *
 * <p>With an adaptive limit on, calls also leave what its algorithm needs in window counters (arrivals,
 * refusals, and when an admitted call left the node's queue, how long it waited there:
 * {@link #dequeued}); the actor drains them once per window ({@link #drainWindow}).
 */
final class Gate {

    private final String scope;
    private final String refusalPrefix;
    private volatile Snapshot snapshot;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private final AtomicLong nextFree = new AtomicLong(Long.MIN_VALUE);
    private final LongAdder admitted = new LongAdder();
    private final LongAdder refusedConcurrency = new LongAdder();
    private final LongAdder refusedRate = new LongAdder();
    // The adaptive algorithm's window, drained by the actor.
    private final LongAdder windowArrivals = new LongAdder();
    private final LongAdder windowRefused = new LongAdder();
    private final LongAdder windowStarted = new LongAdder();
    private final LongAdder windowQueueNanos = new LongAdder();
    private final LongAccumulator windowMinQueueNanos = new LongAccumulator(Math::min, Long.MAX_VALUE);
    private final LongAccumulator windowMinAhead = new LongAccumulator(Math::min, Long.MAX_VALUE);
    // Admitted calls not yet started by their service nor ended (adaptive only): the queue a new call joins.
    private final AtomicInteger waiting = new AtomicInteger();
    private final LongAdder windowEndedWaiting = new LongAdder();
    private final AtomicInteger windowMaxInFlight = new AtomicInteger();
    private volatile long windowStartNanos = System.nanoTime();

    /** What the actor publishes; immutable. Refusal statuses are built once per snapshot, not per call. */
    private record Snapshot(LimitSettings settings, int concurrencyLimit, int adaptiveLimit, long intervalNanos,
                            long toleranceNanos, boolean adaptive, Status concurrencyRefusal, Status rateRefusal) {
    }

    /**
     * @param scope         what is limited ({@code server}, a method, {@code client <service>})
     * @param refusalPrefix how refusals begin ({@code "server limit reached"})
     */
    Gate(String scope, String refusalPrefix, LimitSettings settings, int adaptiveLimit) {
        this.scope = scope;
        this.refusalPrefix = refusalPrefix;
        publish(settings, adaptiveLimit);
    }

    String scope() {
        return scope;
    }

    LimitSettings settings() {
        return snapshot.settings;
    }

    /** The adaptive algorithm's limit last published (0 when adaptive is off); a restarted actor resumes from it. */
    int adaptiveLimit() {
        return snapshot.adaptiveLimit;
    }

    /** Whether an adaptive limit is on (calls must report their queueing delay: {@link #dequeued}). */
    boolean adaptive() {
        return snapshot.adaptive;
    }

    /** Publishes new settings (the actor only). A changed rate starts from a full bucket. */
    void publish(LimitSettings settings, int adaptiveLimit) {
        Snapshot previous = snapshot;
        boolean adaptive = settings.adaptive().enabled();
        int limit = settings.maxConcurrentCalls();
        if (adaptive) {
            limit = limit > 0 ? Math.min(limit, adaptiveLimit) : adaptiveLimit;
        }
        long interval = settings.qps() > 0 ? Math.max(1, Math.round(1e9 / settings.qps())) : 0;
        long tolerance = interval * (settings.effectiveBurst() - 1L);
        String where = " (" + scope + ")";
        Status concurrency = Status.of(StatusCode.RESOURCE_EXHAUSTED, refusalPrefix + ": at most " + limit
                + (adaptive ? " concurrent calls (adaptive)" : " concurrent calls") + where);
        Status rate = Status.of(StatusCode.RESOURCE_EXHAUSTED, refusalPrefix + ": at most " + fmt(settings.qps())
                + " calls/s" + where);
        if (previous != null && previous.intervalNanos != interval) {
            nextFree.set(Long.MIN_VALUE);
        }
        snapshot = new Snapshot(settings, limit, adaptiveLimit, interval, tolerance, adaptive, concurrency, rate);
    }

    private static String fmt(double qps) {
        return qps == Math.rint(qps) ? String.valueOf((long) qps) : String.valueOf(qps);
    }

    /**
     * Takes a slot: {@code null} when the call may go on (then exactly one of {@link #commit} or
     * {@link #abort} follows), else the refusal.
     */
    Status tryAcquire() {
        Snapshot s = snapshot;
        if (s.adaptive) {
            windowArrivals.increment();
        }
        int limit = s.concurrencyLimit;
        int now;
        if (limit > 0) {
            for (;;) {
                int current = inFlight.get();
                if (current >= limit) {
                    refusedConcurrency.increment();
                    if (s.adaptive) {
                        windowRefused.increment();
                    }
                    return s.concurrencyRefusal;
                }
                if (inFlight.compareAndSet(current, current + 1)) {
                    now = current + 1;
                    break;
                }
            }
        } else {
            now = inFlight.incrementAndGet();
        }
        if (s.intervalNanos > 0 && !takeToken(s)) {
            inFlight.decrementAndGet();
            refusedRate.increment();
            if (s.adaptive) {
                windowRefused.increment();
            }
            return s.rateRefusal;
        }
        if (now > peakInFlight.get()) {
            peakInFlight.accumulateAndGet(now, Math::max);
        }
        if (s.adaptive && now > windowMaxInFlight.get()) {
            windowMaxInFlight.accumulateAndGet(now, Math::max);
        }
        return null;
    }

    private boolean takeToken(Snapshot s) {
        long now = System.nanoTime();
        for (;;) {
            long free = nextFree.get();
            long base = Math.max(free, now);
            if (base - now > s.toleranceNanos) {
                return false;
            }
            if (nextFree.compareAndSet(free, base + s.intervalNanos)) {
                return true;
            }
        }
    }

    /** The acquired call is admitted (every gate it needed let it through). */
    void commit() {
        admitted.increment();
    }

    /**
     * As {@link #commit}, and with an adaptive limit on, the call joins the gate's queue of calls waiting
     * for their service: returns how many were waiting ahead of it (to give back to {@link #dequeued}), or
     * -1 when nothing is counted.
     */
    int commitQueued() {
        admitted.increment();
        return snapshot.adaptive ? waiting.getAndIncrement() : -1;
    }

    /** The acquired call did not start after all (another gate refused it); its token is not returned. */
    void abort() {
        inFlight.decrementAndGet();
    }

    /**
     * A call committed with {@link #commitQueued} left the node's queue: its service started it after
     * {@code waitedNanos}, or it ended still waiting ({@code started} false); {@code ahead} is what
     * {@link #commitQueued} answered for it. Counted for the adaptive algorithm only.
     */
    void dequeued(boolean started, long waitedNanos, int ahead) {
        if (ahead < 0) {
            return;
        }
        waiting.decrementAndGet();
        if (!snapshot.adaptive) {
            return;
        }
        if (started) {
            windowStarted.increment();
            windowQueueNanos.add(waitedNanos);
            windowMinQueueNanos.accumulate(waitedNanos);
            windowMinAhead.accumulate(ahead);
        } else {
            windowEndedWaiting.increment();
        }
    }

    /** A committed call ended (with {@code status}; the gate counts only its place). */
    void release(Status status) {
        inFlight.decrementAndGet();
    }

    /** The window since the last drain, and a new one begun (the actor only). */
    AdaptiveLimit.Window drainWindow() {
        long now = System.nanoTime();
        long elapsed = now - windowStartNanos;
        windowStartNanos = now;
        long started = windowStarted.sumThenReset();
        long queued = windowQueueNanos.sumThenReset();
        long min = windowMinQueueNanos.getThenReset();
        long minAhead = windowMinAhead.getThenReset();
        // The next window starts from the calls in flight now, not from zero.
        int max = windowMaxInFlight.getAndSet(inFlight.get());
        return new AdaptiveLimit.Window(elapsed, windowArrivals.sumThenReset(), windowRefused.sumThenReset(), started,
                started == 0 ? 0 : min, started == 0 ? 0 : queued / started, started == 0 ? 0 : (int) minAhead,
                windowEndedWaiting.sumThenReset(), max);
    }

    LimiterStats stats() {
        Snapshot s = snapshot;
        return new LimiterStats(scope, s.settings, s.concurrencyLimit, inFlight.get(), peakInFlight.get(),
                admitted.sum(), refusedConcurrency.sum(), refusedRate.sum());
    }

    @Override
    public String toString() {
        return "Gate{" + scope + ": " + snapshot.settings + '}';
    }
}
