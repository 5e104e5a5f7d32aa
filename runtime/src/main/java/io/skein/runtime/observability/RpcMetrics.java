package io.skein.runtime.observability;

import io.skein.protocols.StatusCode;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
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
 * not build tag sets. Thread-safe.
 */
final class RpcMetrics {

    private static final StatusCode[] CODES = StatusCode.values();

    private final Side server = new Side("server");
    private final Side client = new Side("client");
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
        private volatile Protocol[] protocols = new Protocol[0];

        private record Protocol(String name, ConcurrentHashMap<String, MethodMetrics> methods) {
        }

        Side(String name) {
            this.name = name;
        }

        MethodMetrics get(String protocol, String method) {
            ConcurrentHashMap<String, MethodMetrics> byMethod = methods(protocol);
            MethodMetrics m = byMethod.get(method);
            return m != null ? m : byMethod.computeIfAbsent(method, k -> new MethodMetrics(name, protocol, k));
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
        return m != null ? m : logical.computeIfAbsent(method, LogicalMetrics::new);
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
    static final class LogicalMetrics {
        private final TagSet tags;
        private final Histogram[] duration = new Histogram[CODES.length];

        LogicalMetrics(String method) {
            int slash = method.lastIndexOf('/');
            this.tags = TagSet.of("rpc.service", slash > 0 ? method.substring(0, slash) : method)
                    .withTag("rpc.method", slash > 0 ? method.substring(slash + 1) : method);
        }

        void record(StatusCode code, long nanos) {
            int i = code.ordinal();
            Histogram h = duration[i];
            if (h == null) {
                h = Kamon.histogram("rpc.client.call.duration", "logical client call duration, attempts included",
                        MeasurementUnit.time().nanoseconds()).withTags(tags.withTag("rpc.status_code", code.name()));
                duration[i] = h;
            }
            h.record(Math.max(0, nanos));
        }
    }

    private record Finished(Histogram duration, Counter count) {
    }

    /** The instruments of one method on one side over one protocol. */
    static final class MethodMetrics {
        private final String side;
        private final TagSet tags;
        final Counter started;
        final Gauge active;
        final Histogram requestSize;
        final Histogram responseSize;
        final Histogram requestsPerRpc;
        final Histogram responsesPerRpc;
        // Per status code, made on first use; a race makes the same instruments twice (Kamon returns the
        // instrument already registered for a tag set), never a half-made pair.
        private final Finished[] finished = new Finished[CODES.length];

        MethodMetrics(String side, String protocol, String method) {
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

        /** A call ended with {@code code} after {@code nanos}. */
        void finished(StatusCode code, long nanos, int requests, int responses) {
            int i = code.ordinal();
            Finished f = finished[i];
            if (f == null) {
                TagSet withCode = tags.withTag("rpc.status_code", code.name());
                f = new Finished(Kamon.histogram("rpc." + side + ".duration", "call duration",
                        MeasurementUnit.time().nanoseconds()).withTags(withCode),
                        Kamon.counter("rpc." + side + ".calls.finished", "calls finished").withTags(withCode));
                finished[i] = f;
            }
            f.duration.record(Math.max(0, nanos));
            f.count.increment();
            // Messages per call say something only of streams; OpenTelemetry makes them optional for unary
            // calls, which always have one each way, and skipping them saves two histogram updates a call.
            if (requests != 1 || responses != 1) {
                requestsPerRpc.record(requests);
                responsesPerRpc.record(responses);
            }
        }
    }
}
