package io.skein.runtime.observability;

import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.transport.CallContext;
import io.skein.transport.CallOptions;
import io.skein.transport.ClientCallContext;
import io.skein.transport.MethodDescriptor;
import io.skein.transport.observe.CallObserver;
import io.skein.transport.observe.CallProbe;
import io.skein.transport.observe.TraceContext;
import java.net.SocketAddress;
import kamon.trace.Span;

/**
 * The Kamon implementation of the call engine's {@link CallObserver}: RPC metrics ({@link RpcMetrics}),
 * spans ({@link Spans}: a server span per call, continuing the caller's {@code traceparent}; a client
 * span per logical call; a child span per retry or backup attempt; only sampled calls get Kamon spans, the
 * others carry bare W3C ids, see {@link TraceSampler}), the access log and the rate-limited refusal log. One per node; thread-safe; every hook is quick and never blocks.
 *
 * <p>Which probe a client call gets: the channel entry makes the logical call's ({@link RpcProbe.Role#CALL});
 * each call that reaches a wire gets an {@link RpcProbe.Role#ATTEMPT} (a retry or backup attempt, its
 * span a child of the call's) or, when no layer made attempts, a {@link RpcProbe.Role#WIRE} probe
 * sharing the call's span. Wire-level metrics ({@code rpc.client.*}) count every call put on a wire;
 * {@code rpc.client.call.duration} counts logical calls.
 */
final class KamonCallObserver implements CallObserver {

    private final RpcMetrics metrics;   // null when metrics are off
    private final TraceSampler sampler; // null when tracing is off
    private final AccessLog access;     // null when off
    private final RefusalLog refusals;  // null when off
    private final boolean spansAlways;  // tracing.spans = always
    private final boolean otlp;         // the node exports spans over OTLP
    private volatile boolean spansReported; // whether Kamon has a span reporter, as last checked

    KamonCallObserver(ObservabilitySettings settings) {
        this.metrics = settings.metrics() ? new RpcMetrics() : null;
        this.sampler = settings.tracing() ? new TraceSampler(settings.sampler(), settings.probability()) : null;
        this.access = settings.accessLog() ? new AccessLog(settings.accessSampleRate(), settings.accessSlow()) : null;
        this.refusals = settings.refusalLog() ? new RefusalLog(settings.refusalInterval()) : null;
        this.spansAlways = settings.spansAlways();
        this.otlp = settings.otlp();
        this.spansReported = otlp;
    }

    /**
     * Checks again whether Kamon has a span reporter ({@code tracing.spans = auto}); the node calls it at
     * start and every trace tick. Without one, sampled calls propagate their ids and sampled flag but get
     * no Kamon span: Kamon would keep it until its tick and drop it.
     */
    void checkSpanReporters() {
        if (sampler != null && !spansAlways) {
            spansReported = otlp || KamonRuntime.spansReported();
        }
    }

    /** A call's span (null when unsampled or not tracing) and trace context (null when not tracing). */
    private record Traced(Span span, TraceContext trace) {
        static final Traced NONE = new Traced(null, null);
    }

    /**
     * The span and trace of a call that is a child of {@code local} (the logical call in this JVM whose
     * attempt it is) or, without one, of {@code remote} (the caller's trace context; null: a new trace).
     * Only sampled calls get a Kamon span; the others get bare ids ({@link TraceSampler}).
     */
    private Traced traced(String method, Span.Kind kind, String protocol, RpcProbe local, TraceContext remote,
                          long attempt) {
        if (sampler == null) {
            return Traced.NONE;
        }
        if (local != null) {
            if (local.span == null) {
                return local.trace == null ? Traced.NONE
                        : new Traced(null, TraceContext.newSpan(local.trace, local.trace.sampled(), null));
            }
            Span span = Spans.start(method, kind, protocol, local.span, attempt, false);
            return new Traced(span, Spans.traceContext(span, local.trace.traceState()));
        }
        TraceSampler.Decision decision = sampler.decide(remote);
        if (decision == TraceSampler.Decision.DROP || !spansAlways && !spansReported) {
            // No span: unsampled, or sampled with nothing to report its span to (Kamon's adaptive sampler,
            // which needs a span to decide, then counts as not sampled).
            return new Traced(null, TraceContext.newSpan(remote, decision == TraceSampler.Decision.SAMPLE, null));
        }
        Span span = Spans.start(method, kind, protocol, Spans.remote(remote), attempt,
                decision == TraceSampler.Decision.SAMPLE);
        return new Traced(span, Spans.traceContext(span, remote == null ? null : remote.traceState()));
    }

    @Override
    public CallProbe serverCall(CallContext context, String protocol) {
        String method = context.method();
        Metadata metadata = context.metadata();
        Traced t = sampler == null ? Traced.NONE
                : traced(method, Spans.SERVER, protocol, null, metadata.isEmpty() ? null : Spans.extract(metadata), 0);
        RpcMetrics.MethodMetrics wire = metrics == null ? null : metrics.server(protocol, method);
        // The call began when the transport admitted it: its context's clock reading, not a second one.
        return new RpcProbe(this, RpcProbe.Role.SERVER, method, protocol, t.span(), t.trace(),
                context.peer().orElse(null), null, null, wire, cells(wire), context.admittedNanos());
    }

    @Override
    public void serverRefused(String method, String protocol, Status status, SocketAddress peer) {
        if (refusals != null) {
            refusals.refused(method, protocol, status, peer);
        }
        if (metrics != null) {
            metrics.refused(protocol, status.code());
        }
    }

    @Override
    public CallProbe clientCall(ClientCallContext context) {
        String method = context.method().fullName();
        Traced t = traced(method, Spans.CLIENT, null, null, context.options().parentTrace(), 0);
        return new RpcProbe(this, RpcProbe.Role.CALL, method, null, t.span(), t.trace(), null, context::remoteAddress,
                null, null, null, System.nanoTime());
    }

    @Override
    public CallProbe clientAttempt(ClientCallContext context, String protocol) {
        String method = context.method().fullName();
        RpcMetrics.MethodMetrics wire = metrics == null ? null : metrics.client(protocol, method);
        RpcProbe call = logical(context.parent() != null ? context.parent().probe() : context.probe());
        if (call != null) {
            call.protocol = protocol;
        }
        if (context.parent() == null && call != null) {
            return new RpcProbe(this, RpcProbe.Role.WIRE, method, protocol, null, call.trace, null,
                    context::remoteAddress, call, wire, cells(wire), System.nanoTime());
        }
        Traced t = traced(method, Spans.CLIENT, protocol, call, call == null ? context.options().parentTrace() : null,
                context.attempt());
        return new RpcProbe(this, RpcProbe.Role.ATTEMPT, method, protocol, t.span(), t.trace(), null,
                context::remoteAddress, call, wire, cells(wire), System.nanoTime());
    }

    @Override
    public CallProbe clientStream(MethodDescriptor<?, ?> method, CallOptions options, String protocol) {
        Traced t = traced(method.fullName(), Spans.CLIENT, protocol, null, options.parentTrace(), 0);
        RpcMetrics.MethodMetrics wire = metrics == null ? null : metrics.client(protocol, method.fullName());
        return new RpcProbe(this, RpcProbe.Role.ATTEMPT, method.fullName(), protocol, t.span(), t.trace(), null, null,
                null, wire, cells(wire), System.nanoTime());
    }

    @Override
    public void connectionOpened(String protocol, boolean server) {
        if (metrics != null) {
            RpcMetrics.ConnectionMetrics c = metrics.connections(protocol, server);
            c.opened.increment();
            c.open.increment();
        }
    }

    @Override
    public void connectionClosed(String protocol, boolean server) {
        if (metrics != null) {
            RpcMetrics.ConnectionMetrics c = metrics.connections(protocol, server);
            c.closed.increment();
            c.open.decrement();
        }
    }

    /** Whether a call's end needs its duration: for metrics or the access log (a span times itself). */
    boolean timed() {
        return metrics != null || access != null;
    }

    /** Adds what the node's calls counted per thread to Kamon's instruments ({@link RpcMetrics#flush}). */
    void flush() {
        if (metrics != null) {
            metrics.flush();
        }
    }

    /** The calling thread's cells of {@code wire}, or null without. */
    private MetricCells cells(RpcMetrics.MethodMetrics wire) {
        return wire == null ? null : metrics.cells(wire);
    }

    /** The calling thread's cells of {@code probe}'s wire instruments. */
    private MetricCells cells(RpcProbe probe) {
        return probe.onStartThread() ? probe.startCells : metrics.cells(probe.wire);
    }

    /** Records {@code value} in histogram {@code slot} of {@code probe}'s wire instruments (a message size). */
    void record(RpcProbe probe, int slot, long value) {
        cells(probe).record(slot, value);
    }

    /**
     * What a probe's end records beyond its span (which it finished itself); {@code nanos} is the call's
     * duration, 0 when nothing here uses it ({@link #timed()} false).
     */
    void ended(RpcProbe probe, Status status, long nanos, SocketAddress peer) {
        if (probe.wire != null) {
            boolean server = probe.role == RpcProbe.Role.SERVER;
            int requests = server ? probe.received() : probe.sent();
            int responses = server ? probe.sent() : probe.received();
            MetricCells cells = cells(probe);
            cells.finished(status.code(), nanos);
            if (requests > 0) {
                cells.record(MetricCells.REQUEST_SIZE, server ? probe.firstReceived : probe.firstSent);
            }
            if (responses > 0) {
                cells.record(MetricCells.RESPONSE_SIZE, server ? probe.firstSent : probe.firstReceived);
            }
            // Messages per call say something only of streams; OpenTelemetry makes them optional for unary
            // calls, which always have one each way.
            if (requests != 1 || responses != 1) {
                cells.record(MetricCells.REQUESTS_PER_RPC, requests);
                cells.record(MetricCells.RESPONSES_PER_RPC, responses);
            }
        }
        boolean logical = probe.role == RpcProbe.Role.CALL || probe.role == RpcProbe.Role.ATTEMPT && probe.call() == null;
        if (metrics != null && logical) {
            metrics.cells(metrics.logical(probe.method)).finished(status.code(), nanos);
        }
        if (access != null && (logical || probe.role == RpcProbe.Role.SERVER)) {
            access.ended(probe, status, nanos, peer);
        }
    }

    private static RpcProbe logical(CallProbe probe) {
        return probe instanceof RpcProbe r && r.role == RpcProbe.Role.CALL ? r : null;
    }
}
