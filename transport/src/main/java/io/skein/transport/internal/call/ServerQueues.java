package io.skein.transport.internal.call;

import static java.util.Objects.requireNonNull;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.CallContext;
import io.skein.transport.MethodRegistry;
import io.skein.transport.ServerMethod;
import io.skein.transport.ServerQueueStats;
import io.skein.transport.TransportSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.annotation.InternalApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded queues inside one server, checked by the {@link ServerDispatcher} before a call's request
 * is decoded ({@code skein.transport.server-queues}):
 *
 * <ul>
 *   <li><b>calls queued for a service</b>: admitted, not yet started by the service (waiting in its actor's
 *       mailbox). A call enters as it is dispatched ({@link #enter}) and leaves exactly once, when its
 *       service starts it or when it ends still waiting ({@link CallContext.QueueExit}). Over the bound a
 *       new call is refused; the count never exceeds the bound (entry is a compare-and-set below it).</li>
 *   <li><b>a connection's write queue</b>: answer bytes not yet written to its socket. Over the bound a new
 *       call on it is refused and the connection is not read until the queue drains.</li>
 *   <li><b>an event loop's backlog</b>: tasks waiting on the I/O thread serving the connection. Over the bound
 *       a new call is refused.</li>
 * </ul>
 *
 * <p>Every refusal is {@code RESOURCE_EXHAUSTED} with a status built once; nothing is dropped silently. The
 * first refusal of each queue after a quiet spell is logged at WARN with the count since the last report.
 * {@link #stats} reads the counts without locking.
 *
 * <p>Threads: {@link #enter} runs on the connection's event loop; leaving, on whatever thread starts or
 * ends the call. Counters are atomics; per-service queues are fixed when the server starts.
 */
@InternalApi
public final class ServerQueues {

    private static final Logger log = LoggerFactory.getLogger(ServerQueues.class);
    private static final long REPORT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final TransportSettings.ServerQueues bounds;
    private final Map<String, ServiceQueue> byMethod;
    private final List<ServiceQueue> services;
    private final Gauge writeQueue;
    private final Gauge eventLoop;
    private final Status writeQueueFull;
    private final Status eventLoopBehind;

    public ServerQueues(MethodRegistry registry, TransportSettings.ServerQueues bounds) {
        this.bounds = requireNonNull(bounds, "bounds");
        Map<String, ServiceQueue> perService = new LinkedHashMap<>();
        Map<String, ServiceQueue> perMethod = new HashMap<>();
        for (ServerMethod<?, ?> m : registry.methods()) {
            String service = m.descriptor().serviceName();
            ServiceQueue q = perService.computeIfAbsent(service,
                    s -> new ServiceQueue(s, bounds.maxQueuedCallsPerService()));
            perMethod.put(m.descriptor().fullName(), q);
        }
        this.byMethod = Map.copyOf(perMethod);
        this.services = List.copyOf(perService.values());
        this.writeQueue = new Gauge("write queue", "skein.transport.server-queues.max-write-queue-per-connection",
                bounds.maxWriteQueuePerConnection());
        this.eventLoop = new Gauge("event loop backlog", "skein.transport.server-queues.max-event-loop-backlog",
                bounds.maxEventLoopBacklog());
        this.writeQueueFull = Status.of(StatusCode.RESOURCE_EXHAUSTED, "server overloaded: the connection's write"
                + " queue holds more than " + bounds.maxWriteQueuePerConnection() + " bytes of answers");
        this.eventLoopBehind = Status.of(StatusCode.RESOURCE_EXHAUSTED, "server overloaded: more than "
                + bounds.maxEventLoopBacklog() + " tasks wait on the connection's I/O thread");
    }

    /** The bounds in force. */
    public TransportSettings.ServerQueues bounds() {
        return bounds;
    }

    /**
     * Takes a place for a new call of {@code method} (full name) on {@code connection}: {@code null} when
     * the call may go on (it then holds a place in its service's queue until it leaves), else the refusal.
     * On the connection's event loop, before the call's request is decoded.
     */
    Status enter(String method, Connection connection) {
        long pending = connection.queuedWriteBytes();
        writeQueue.observe(pending);
        if (pending > bounds.maxWriteQueuePerConnection()) {
            writeQueue.refused();
            if (connection.pauseForWriteQueue()) {
                log.debug("{}: write queue at {} bytes; not reading until it drains", connection, pending);
            }
            return writeQueueFull;
        }
        int backlog = backlog(connection.channel().eventLoop());
        eventLoop.observe(backlog);
        if (backlog > bounds.maxEventLoopBacklog()) {
            eventLoop.refused();
            return eventLoopBehind;
        }
        ServiceQueue queue = byMethod.get(method);
        return queue == null ? null : queue.tryEnter();
    }

    /**
     * The queue exit of an entered call: leaves its service's queue once (started or ended waiting) and
     * passes the news on to {@code next} (the call's admission), or {@code null} if nothing else listens.
     */
    CallContext.QueueExit exit(String method, CallContext.QueueExit next) {
        ServiceQueue queue = byMethod.get(method);
        if (queue == null) {
            return next;
        }
        return next == null ? queue : (started, waited) -> {
            queue.leave();
            next.left(started, waited);
        };
    }

    /** Gives back the place {@link #enter} took for a call that did not start after all (refused by admission). */
    void abandon(String method) {
        ServiceQueue queue = byMethod.get(method);
        if (queue != null) {
            queue.leave();
        }
    }

    /** The counts now, without locking. */
    public ServerQueueStats stats() {
        List<ServerQueueStats.Service> perService = new ArrayList<>(services.size());
        for (ServiceQueue q : services) {
            perService.add(new ServerQueueStats.Service(q.service, q.queued.get(), q.peak.get(), q.bound,
                    q.refusedCount.sum()));
        }
        return new ServerQueueStats(List.copyOf(perService),
                new ServerQueueStats.Bounded(writeQueue.peak.get(), writeQueue.bound, writeQueue.refusedCount.sum()),
                new ServerQueueStats.Bounded(eventLoop.peak.get(), eventLoop.bound, eventLoop.refusedCount.sum()));
    }

    private static int backlog(EventLoop loop) {
        return loop instanceof SingleThreadEventExecutor executor ? executor.pendingTasks() : 0;
    }

    /** Logs the first refusal of a burst at WARN, then at most one line per {@link #REPORT_EVERY_NANOS}. */
    private abstract static class Reported {
        private final AtomicLong lastReport = new AtomicLong(System.nanoTime() - REPORT_EVERY_NANOS);
        private final AtomicLong reportedUpTo = new AtomicLong();
        final LongAdder refusedCount = new LongAdder();

        final void refused() {
            refusedCount.increment();
            long last = lastReport.get();
            long now = System.nanoTime();
            if (now - last >= REPORT_EVERY_NANOS && lastReport.compareAndSet(last, now)) {
                long total = refusedCount.sum();
                report(total - reportedUpTo.getAndSet(total));
            }
        }

        abstract void report(long refusedSinceLastReport);
    }

    /** The calls queued for one service. Also the queue exit of its calls when no admission listens. */
    private static final class ServiceQueue extends Reported implements CallContext.QueueExit {
        final String service;
        final int bound;
        final AtomicInteger queued = new AtomicInteger();
        final AtomicInteger peak = new AtomicInteger();
        private final Status full;

        ServiceQueue(String service, int bound) {
            this.service = service;
            this.bound = bound;
            this.full = Status.of(StatusCode.RESOURCE_EXHAUSTED, "server overloaded: " + bound
                    + " calls already wait for " + service);
        }

        Status tryEnter() {
            for (;;) {
                int now = queued.get();
                if (now >= bound) {
                    refused();
                    return full;
                }
                if (queued.compareAndSet(now, now + 1)) {
                    if (now + 1 > peak.get()) {
                        peak.accumulateAndGet(now + 1, Math::max);
                    }
                    return null;
                }
            }
        }

        void leave() {
            queued.decrementAndGet();
        }

        @Override
        public void left(boolean started, long waitedNanos) {
            leave();
        }

        @Override
        void report(long refusedSinceLastReport) {
            log.warn("{} calls wait for {} (skein.transport.server-queues.max-queued-calls-per-service): refused {}"
                    + " new calls with RESOURCE_EXHAUSTED since the last report", bound, service, refusedSinceLastReport);
        }
    }

    /** A per-connection or per-loop quantity with a bound: its peak as seen by new calls, and its refusals. */
    private static final class Gauge extends Reported {
        final String what;
        final String key;
        final long bound;
        final AtomicLong peak = new AtomicLong();

        Gauge(String what, String key, long bound) {
            this.what = what;
            this.key = key;
            this.bound = bound;
        }

        void observe(long value) {
            if (value > peak.get()) {
                peak.accumulateAndGet(value, Math::max);
            }
        }

        @Override
        void report(long refusedSinceLastReport) {
            log.warn("{} over its bound of {} ({}): refused {} new calls with RESOURCE_EXHAUSTED since the last report",
                    what, bound, key, refusedSinceLastReport);
        }
    }
}
