package io.skein.examples.bench;

import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallRefusals;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * What a load run records, phase by phase (warm-up, measurement, drain): every completed call's latency,
 * the OK calls' and the refused calls' latency apart, failures by status code, the failures that were
 * refusals, and what an
 * open-loop sender saw. The phase being recorded is swapped with {@link #begin()}; calls are recorded
 * into whichever phase is current when they complete.
 *
 * <p>Thread-safe: any thread (event loops, actor threads, the open-loop sender) records; HdrHistogram's
 * {@link Recorder} takes concurrent writers, the counters are adders and atomics.
 */
final class CallRecords {

    /** Longest latency tracked (60 s, in microseconds); longer ones are clamped to it. */
    static final long HIGHEST_MICROS = TimeUnit.SECONDS.toMicros(60);

    /** One phase's records. */
    static final class Window {
        final Recorder latency = new Recorder(1, HIGHEST_MICROS, 3);
        final Recorder okLatency = new Recorder(1, HIGHEST_MICROS, 3);
        final Recorder refusalLatency = new Recorder(1, HIGHEST_MICROS, 3);
        final ConcurrentHashMap<StatusCode, LongAdder> errors = new ConcurrentHashMap<>();
        final ConcurrentHashMap<StatusCode, LongAdder> refusals = new ConcurrentHashMap<>();
        // Open loop only: calls sent in this phase, those that had to wait for a free place under the
        // bound on calls in flight, the most in flight at once and the largest lag behind the schedule.
        final LongAdder sent = new LongAdder();
        final LongAdder boundHits = new LongAdder();
        final AtomicInteger peakInFlight = new AtomicInteger();
        final AtomicLong maxSendLagNanos = new AtomicLong();

        /** Failures (or refusals) by code, as an unmodifiable snapshot. */
        static Map<StatusCode, Long> counts(ConcurrentHashMap<StatusCode, LongAdder> by) {
            Map<StatusCode, Long> out = new EnumMap<>(StatusCode.class);
            by.forEach((code, n) -> out.put(code, n.sum()));
            return Collections.unmodifiableMap(out);
        }
    }

    private final LongAdder everOk = new LongAdder();
    private final LongAdder everUnavailable = new LongAdder();
    private final LongAdder everOtherFailure = new LongAdder();
    private volatile Window window = new Window();

    /** Starts a new phase and returns it; what completes from now on is recorded there. */
    Window begin() {
        Window w = new Window();
        window = w;
        return w;
    }

    /** The phase being recorded. */
    Window current() {
        return window;
    }

    /** A call that started (or was scheduled) at {@code startNanos} answered OK. */
    void ok(long startNanos) {
        everOk.increment();
        long micros = micros(startNanos);
        Window w = window;
        w.latency.recordValue(micros);
        w.okLatency.recordValue(micros);
    }

    /** A call that started (or was scheduled) at {@code startNanos} failed with {@code failure}. */
    void failed(long startNanos, Throwable failure) {
        StatusCode code = code(failure);
        if (code == StatusCode.UNAVAILABLE) {
            everUnavailable.increment();
        } else {
            everOtherFailure.increment();
        }
        long micros = micros(startNanos);
        Window w = window;
        w.latency.recordValue(micros);
        w.errors.computeIfAbsent(code, k -> new LongAdder()).increment();
        if (isRefusal(code, failure)) {
            w.refusals.computeIfAbsent(code, k -> new LongAdder()).increment();
            w.refusalLatency.recordValue(micros);
        }
    }

    /** Whether no call ever succeeded and every failure so far was UNAVAILABLE (and there was one). */
    boolean neverReached() {
        return everOk.sum() == 0 && everUnavailable.sum() > 0 && everOtherFailure.sum() == 0;
    }

    /**
     * Whether a failure is a refusal: the server (or its limits) turned the call away without serving it
     * ({@code RESOURCE_EXHAUSTED}: a limit or a full queue), or it provably never reached a service
     * ({@link CallRefusals#refusedBeforeProcessing}: a draining node, a refused HTTP/2 stream).
     */
    static boolean isRefusal(StatusCode code, Throwable failure) {
        return code == StatusCode.RESOURCE_EXHAUSTED
                || code == StatusCode.UNAVAILABLE && CallRefusals.refusedBeforeProcessing(unwrap(failure));
    }

    /** The status code a failure counts under: a StatusException's code, INTERNAL for anything else. */
    static StatusCode code(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof CancellationException) {
            return StatusCode.CANCELLED;
        }
        return Status.fromThrowable(t).code();
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    static long micros(long startNanos) {
        long micros = (System.nanoTime() - startNanos) / 1000;
        return Math.max(0, Math.min(micros, HIGHEST_MICROS));
    }
}
