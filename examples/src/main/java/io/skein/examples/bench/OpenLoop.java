package io.skein.examples.bench;

import io.skein.actors.client.UnaryMethod;
import io.skein.examples.echo.EchoReply;
import io.skein.examples.echo.EchoRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import io.skein.transport.CallOptions;

/**
 * Open-loop unary load: call {@code k} is due at {@code start + k / rate}, whatever the answers do, and
 * its latency is counted from that scheduled time, not from when it could be sent, so a sender held back
 * (by the bound on calls in flight, a busy CPU, a pause) is charged to the latency of the calls it
 * delayed instead of hiding it (no coordinated omission).
 *
 * <p>At most {@code maxInFlight} calls are in flight. A call due while the bound is full waits for a free
 * place; it is counted as a bound hit (and its wait is part of its latency), so a run whose target cannot
 * keep up shows it in {@link CallRecords.Window#boundHits} rather than by quietly sending less.
 *
 * <p>Threads: one sender thread of its own issues every call (it parks between due times; several
 * calls due at once go out back to back); completions arrive on the client's I/O threads and release
 * the call's place. {@link #stop} ends the schedule; {@link #awaitIdle} waits for the calls in flight.
 */
final class OpenLoop {

    private final UnaryMethod<EchoRequest, EchoReply> say;
    private final CallOptions options;
    private final Supplier<EchoRequest> requests;
    private final CallRecords records;
    private final double intervalNanos;
    private final int maxInFlight;
    private final Semaphore places;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Thread sender;
    private volatile boolean running = true;

    OpenLoop(UnaryMethod<EchoRequest, EchoReply> say, CallOptions options, Supplier<EchoRequest> requests,
             CallRecords records, double rate, int maxInFlight) {
        this.say = say;
        this.options = options;
        this.requests = requests;
        this.records = records;
        this.intervalNanos = 1e9 / rate;
        this.maxInFlight = maxInFlight;
        this.places = new Semaphore(maxInFlight);
        this.sender = new Thread(this::send, "skein-bench-open-loop");
        this.sender.setDaemon(true);
    }

    /** Starts the schedule now. */
    void start() {
        sender.start();
    }

    /** Sends nothing more (calls in flight go on). */
    void stop() {
        running = false;
        LockSupport.unpark(sender);
    }

    /** Waits up to {@code limit} for the sender to stop and every call in flight to end; true if they did. */
    boolean awaitIdle(Duration limit) {
        long until = System.nanoTime() + limit.toNanos();
        try {
            sender.join(Math.max(1, limit.toMillis()));
            long left = until - System.nanoTime();
            if (left > 0 && places.tryAcquire(maxInFlight, left, TimeUnit.NANOSECONDS)) {
                places.release(maxInFlight);
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private void send() {
        long start = System.nanoTime();
        long k = 0;
        while (running) {
            long due = start + (long) (k * intervalNanos);
            long now = System.nanoTime();
            if (due - now > 0) {
                // Between due times; parkNanos wakes a little late at worst, which the latency counts.
                LockSupport.parkNanos(due - now);
                continue;
            }
            if (!acquire()) {
                return;
            }
            issue(due);
            k++;
        }
    }

    /** A place under the bound, waiting for one when it is full; false once stopped while waiting. */
    private boolean acquire() {
        if (places.tryAcquire()) {
            return true;
        }
        records.current().boundHits.increment();
        try {
            while (running) {
                if (places.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private void issue(long scheduled) {
        CallRecords.Window w = records.current();
        w.sent.increment();
        long lag = System.nanoTime() - scheduled;
        if (lag > w.maxSendLagNanos.get()) {
            w.maxSendLagNanos.accumulateAndGet(lag, Math::max);
        }
        int now = inFlight.incrementAndGet();
        if (now > w.peakInFlight.get()) {
            w.peakInFlight.accumulateAndGet(now, Math::max);
        }
        CompletableFuture<EchoReply> call;
        try {
            call = say.call(requests.get(), options).toCompletableFuture();
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((reply, failure) -> {
            if (failure == null) {
                records.ok(scheduled);
            } else {
                records.failed(scheduled, failure);
            }
            inFlight.decrementAndGet();
            places.release();
        });
    }
}
