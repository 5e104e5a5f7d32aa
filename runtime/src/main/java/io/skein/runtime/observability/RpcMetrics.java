package io.skein.runtime.observability;

import io.skein.protocols.StatusCode;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import kamon.Kamon;
import kamon.metric.Counter;
import kamon.metric.Gauge;
import kamon.metric.Histogram;
import kamon.metric.MeasurementUnit;
import kamon.tag.TagSet;

/**
 * The RPC metrics of the JVM's Kamon, after OpenTelemetry's RPC semantic conventions where they have
 * a name: per side ({@code rpc.server.*}, {@code rpc.client.*}), labelled by {@code rpc.system} (the
 * protocol), {@code rpc.service}, {@code rpc.method} and, for finished calls, {@code rpc.status_code}
 * (the canonical code's name). Labels are bounded: methods come from registries and descriptors, never
 * from what a peer sends; no peer or request labels.
 *
 * <p>Instruments are looked up once per (side, protocol, method) and cached, so recording a call does
 * not build tag sets. Per-call updates (calls started and finished, durations, message sizes) are not
 * made on Kamon's shared instruments, each an atomic read-modify-write, but counted by each thread in
 * cells of its own with plain stores ({@link MetricCells}), which {@link #flush} adds to Kamon's
 * instruments: the node flushes twice per Kamon tick, so a scrape lags the calls by at most half a tick
 * more than Kamon's own snapshot does. Calls in flight are what was started minus what finished, as of
 * the last flush. Thread-safe.
 */
final class RpcMetrics {

    private static final StatusCode[] CODES = StatusCode.values();

    private final AtomicInteger ids = new AtomicInteger();
    private final Side server = new Side("server", ids);
    private final Side client = new Side("client", ids);
    private final Queue<MetricCells.OfThread> threads = new ConcurrentLinkedQueue<>();
    private final ThreadLocal<MetricCells.OfThread> local = ThreadLocal.withInitial(() -> {
        MetricCells.OfThread cells = new MetricCells.OfThread();
        threads.add(cells);
        return cells;
    });
    private final ConcurrentHashMap<String, ConnectionMetrics> connections = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter[]> refused = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LogicalMetrics> logical = new ConcurrentHashMap<>();

    /** The instruments of {@code method} ({@code pkg.Svc/Method}) served over {@code protocol}. */
    MethodMetrics server(String protocol, String method) {
        return server.get(protocol, method);
    }

    /** The instruments of {@code method} called over {@code protocol} ({@code none}: never reached a wire). */
    MethodMetrics client(String protocol, String method) {
        return client.get(protocol, method);
    }

    /**
     * One side's instruments by protocol, then method. The protocols are a handful of constant names, kept
     * in a copy-on-write array searched by identity first, so a call costs one hash lookup (its method), not
     * two.
     */
    private static final class Side {
        private final String name;
        private final AtomicInteger ids;
        private volatile Protocol[] protocols = new Protocol[0];

        private record Protocol(String name, ConcurrentHashMap<String, MethodMetrics> methods) {
        }

        Side(String name, AtomicInteger ids) {
            this.name = name;
            this.ids = ids;
        }

        MethodMetrics get(String protocol, String method) {
            ConcurrentHashMap<String, MethodMetrics> byMethod = methods(protocol);
            MethodMetrics m = byMethod.get(method);
            return m != null ? m
                    : byMethod.computeIfAbsent(method, k -> new MethodMetrics(ids.getAndIncrement(), name, protocol, k));
        }

        void forEach(Consumer<MethodMetrics> action) {
            for (Protocol p : protocols) {
                p.methods.values().forEach(action);
            }
        }

        private ConcurrentHashMap<String, MethodMetrics> methods(String protocol) {
            Protocol[] now = protocols;
            for (Protocol p : now) {
                if (p.name == protocol) {
                    return p.methods;
                }
            }
            for (Protocol p : now) {
                if (p.name.equals(protocol)) {
                    return p.methods;
                }
            }
            return add(protocol);
        }

        private synchronized ConcurrentHashMap<String, MethodMetrics> add(String protocol) {
            Protocol[] now = protocols;
            for (Protocol p : now) {
                if (p.name.equals(protocol)) {
                    return p.methods; // the same name in another String: found by equality, not added twice
                }
            }
            Protocol[] grown = Arrays.copyOf(now, now.length + 1);
            grown[now.length] = new Protocol(protocol, new ConcurrentHashMap<>());
            protocols = grown;
            return grown[now.length].methods;
        }
    }

    /** The logical-call instruments of client method {@code method}. */
    LogicalMetrics logical(String method) {
        LogicalMetrics m = logical.get(method);
        return m != null ? m : logical.computeIfAbsent(method, k -> new LogicalMetrics(ids.getAndIncrement(), k));
    }

    /** The calling thread's cells of {@code instruments}: where it records their per-call updates. */
    MetricCells cells(Instruments instruments) {
        return local.get().of(instruments);
    }

    /**
     * Adds what every thread counted since the last flush to Kamon's instruments and sets the in-flight
     * gauges. Any thread, one at a time; a thread that has ended is flushed a last time and forgotten.
     */
    synchronized void flush() {
        for (Iterator<MetricCells.OfThread> it = threads.iterator(); it.hasNext(); ) {
            MetricCells.OfThread t = it.next();
            // Read before the drain: a thread seen ended has made all its stores visible (JLS 17.4.4).
            boolean ended = !t.owner().isAlive();
            t.forEach(cells -> cells.instruments().drain(cells));
            if (ended) {
                it.remove();
            }
        }
        server.forEach(MethodMetrics::updateActive);
        client.forEach(MethodMetrics::updateActive);
    }

    /** How many threads have cells that later flushes will read. */
    int threads() {
        return threads.size();
    }

    /**
     * A set of instruments whose per-call updates threads count in {@link MetricCells}; {@link #id}
     * indexes each thread's cells, unique within this {@link RpcMetrics}.
     */
    abstract static class Instruments {
        final int id;

        Instruments(int id) {
            this.id = id;
        }

        /** Adds what {@code cells} counted since its last drain to Kamon's instruments. Flusher only. */
        abstract void drain(MetricCells cells);
    }

    /** A call refused by a server before it started. */
    void refused(String protocol, StatusCode code) {
        Counter[] byCode = refused.computeIfAbsent(protocol, p -> new Counter[CODES.length]);
        Counter c = byCode[code.ordinal()];
        if (c == null) {
            c = Kamon.counter("rpc.server.refused", "server calls refused before they started")
                    .withTags(TagSet.of("rpc.system", protocol).withTag("rpc.status_code", code.name()));
            byCode[code.ordinal()] = c;
        }
        c.increment();
    }

    ConnectionMetrics connections(String protocol, boolean serverSide) {
        String side = serverSide ? "server" : "client";
        return connections.computeIfAbsent(side + "/" + protocol, k -> new ConnectionMetrics(protocol, side));
    }

    /** Connections per protocol and side: opened and closed counters, open now. */
    static final class ConnectionMetrics {
        final Counter opened;
        final Counter closed;
        final Gauge open;

        ConnectionMetrics(String protocol, String side) {
            TagSet tags = TagSet.of("rpc.system", protocol).withTag("side", side);
            opened = Kamon.counter("rpc.connections.opened", "connections accepted or dialled").withTags(tags);
            closed = Kamon.counter("rpc.connections.closed", "connections closed").withTags(tags);
            open = Kamon.gauge("rpc.connections.open", "connections open now").withTags(tags);
        }
    }

    /**
     * {@code rpc.client.call.duration}: logical client calls (all their attempts together) by service,
     * method and status code; no protocol label (attempts of one call may use different ones).
     */
    static final class LogicalMetrics extends Instruments {
        private final TagSet tags;
        private final Histogram[] duration = new Histogram[CODES.length]; // made by the flusher on first use

        LogicalMetrics(int id, String method) {
            super(id);
            int slash = method.lastIndexOf('/');
            this.tags = TagSet.of("rpc.service", slash > 0 ? method.substring(0, slash) : method)
                    .withTag("rpc.method", slash > 0 ? method.substring(slash + 1) : method);
        }

        @Override
        void drain(MetricCells cells) {
            for (int i = 0; i < CODES.length; i++) { // durations only: the logical calls' counts are not exported
                LocalHistogram h = cells.histogram(i);
                if (h != null) {
                    if (duration[i] == null) {
                        duration[i] = Kamon.histogram("rpc.client.call.duration",
                                "logical client call duration, attempts included", MeasurementUnit.time().nanoseconds())
                                .withTags(tags.withTag("rpc.status_code", CODES[i].name()));
                    }
                    h.drainInto(duration[i]);
                }
            }
        }
    }

    private record Finished(Histogram duration, Counter count) {
    }

    /**
     * The instruments of one method on one side over one protocol. Calls record into their thread's
     * {@link MetricCells}; the flusher alone touches the Kamon instruments below.
     */
    static final class MethodMetrics extends Instruments {
        private final String side;
        private final TagSet tags;
        private final Counter started;
        private final Gauge active;
        private final Histogram requestSize;
        private final Histogram responseSize;
        private final Histogram requestsPerRpc;
        private final Histogram responsesPerRpc;
        private final Finished[] finished = new Finished[CODES.length]; // per status code, made on first use
        private long startedTotal;  // all calls started and finished so far, as the flushes took them
        private long finishedTotal;

        MethodMetrics(int id, String side, String protocol, String method) {
            super(id);
            this.side = side;
            int slash = method.lastIndexOf('/');
            this.tags = TagSet.of("rpc.system", protocol)
                    .withTag("rpc.service", slash > 0 ? method.substring(0, slash) : method)
                    .withTag("rpc.method", slash > 0 ? method.substring(slash + 1) : method);
            String p = "rpc." + side + ".";
            started = Kamon.counter(p + "calls.started", "calls started").withTags(tags);
            active = Kamon.gauge(p + "active_calls", "calls in flight").withTags(tags);
            requestSize = Kamon.histogram(p + "request.size", "serialized size of each request message",
                    MeasurementUnit.information().bytes()).withTags(tags);
            responseSize = Kamon.histogram(p + "response.size", "serialized size of each response message",
                    MeasurementUnit.information().bytes()).withTags(tags);
            requestsPerRpc = Kamon.histogram(p + "requests_per_rpc",
                    "request messages per call (calls with one message each way are not recorded)").withTags(tags);
            responsesPerRpc = Kamon.histogram(p + "responses_per_rpc",
                    "response messages per call (calls with one message each way are not recorded)").withTags(tags);
        }

        @Override
        void drain(MetricCells cells) {
            long s = cells.takeStarted();
            if (s > 0) {
                started.increment(s);
                startedTotal += s;
            }
            for (int i = 0; i < CODES.length; i++) {
                long f = cells.takeFinished(i);
                LocalHistogram h = cells.histogram(i);
                if (f == 0 && h == null) {
                    continue;
                }
                Finished instruments = finished(i);
                if (f > 0) {
                    instruments.count.increment(f);
                    finishedTotal += f;
                }
                if (h != null) {
                    h.drainInto(instruments.duration);
                }
            }
            drain(cells.histogram(MetricCells.REQUEST_SIZE), requestSize);
            drain(cells.histogram(MetricCells.RESPONSE_SIZE), responseSize);
            drain(cells.histogram(MetricCells.REQUESTS_PER_RPC), requestsPerRpc);
            drain(cells.histogram(MetricCells.RESPONSES_PER_RPC), responsesPerRpc);
        }

        private static void drain(LocalHistogram from, Histogram into) {
            if (from != null) {
                from.drainInto(into);
            }
        }

        /** Sets the in-flight gauge after a flush (never below zero: threads are drained one after another). */
        void updateActive() {
            active.update(Math.max(0, startedTotal - finishedTotal));
        }

        private Finished finished(int code) {
            Finished f = finished[code];
            if (f == null) {
                TagSet withCode = tags.withTag("rpc.status_code", CODES[code].name());
                f = new Finished(Kamon.histogram("rpc." + side + ".duration", "call duration",
                        MeasurementUnit.time().nanoseconds()).withTags(withCode),
                        Kamon.counter("rpc." + side + ".calls.finished", "calls finished").withTags(withCode));
                finished[code] = f;
            }
            return f;
        }
    }
}
