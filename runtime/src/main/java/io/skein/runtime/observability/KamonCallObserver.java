package io.skein.runtime.observability;

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
 * span per logical call; a child span per retry or backup attempt), the access log and the rate-limited
 * refusal log. One per node; thread-safe; every hook is quick and never blocks.
 *
 * <p>Which probe a client call gets: the channel entry makes the logical call's ({@link RpcProbe.Role#CALL});
 * each call that reaches a wire gets an {@link RpcProbe.Role#ATTEMPT} (a retry or backup attempt, its
 * span a child of the call's) or, when no layer made attempts, a {@link RpcProbe.Role#WIRE} probe
 * sharing the call's span. Wire-level metrics ({@code rpc.client.*}) count every call put on a wire;
 * {@code rpc.client.call.duration} counts logical calls.
 */
final class KamonCallObserver implements CallObserver {

    private final RpcMetrics metrics;   // null when metrics are off
    private final boolean tracing;
    private final AccessLog access;     // null when off
    private final RefusalLog refusals;  // null when off

    KamonCallObserver(ObservabilitySettings settings) {
        this.metrics = settings.metrics() ? new RpcMetrics() : null;
        this.tracing = settings.tracing();
        this.access = settings.accessLog() ? new AccessLog(settings.accessSampleRate(), settings.accessSlow()) : null;
        this.refusals = settings.refusalLog() ? new RefusalLog(settings.refusalInterval()) : null;
    }

    @Override
    public CallProbe serverCall(CallContext context, String protocol) {
        String method = context.method();
        Span span = null;
        String traceState = null;
        if (tracing) {
            TraceContext caller = Spans.extract(context.metadata());
            span = Spans.start(method, Spans.SERVER, protocol, Spans.remote(caller), 0);
            traceState = caller == null ? null : caller.traceState();
        }
        SocketAddress peer = context.peer().orElse(null);
        return new RpcProbe(this, RpcProbe.Role.SERVER, method, protocol, span, traceState, () -> peer, null,
                metrics == null ? null : metrics.server(protocol, method));
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
        TraceContext parent = context.options().parentTrace();
        Span span = tracing ? Spans.start(context.method().fullName(), Spans.CLIENT, null,
                Spans.remote(parent), 0) : null;
        return new RpcProbe(this, RpcProbe.Role.CALL, context.method().fullName(), null, span,
                parent == null ? null : parent.traceState(), context::remoteAddress, null, null);
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
            return new RpcProbe(this, RpcProbe.Role.WIRE, method, protocol, null, null, context::remoteAddress, call,
                    wire);
        }
        TraceContext parent = context.options().parentTrace();
        Span span = tracing ? Spans.start(method, Spans.CLIENT, protocol,
                call != null ? call.span : Spans.remote(parent), context.attempt()) : null;
        String traceState = call != null && call.trace != null ? call.trace.traceState()
                : parent == null ? null : parent.traceState();
        return new RpcProbe(this, RpcProbe.Role.ATTEMPT, method, protocol, span, traceState, context::remoteAddress,
                call, wire);
    }

    @Override
    public CallProbe clientStream(MethodDescriptor<?, ?> method, CallOptions options, String protocol) {
        TraceContext parent = options.parentTrace();
        Span span = tracing ? Spans.start(method.fullName(), Spans.CLIENT, protocol,
                Spans.remote(parent), 0) : null;
        return new RpcProbe(this, RpcProbe.Role.ATTEMPT, method.fullName(), protocol, span,
                parent == null ? null : parent.traceState(), null, null,
                metrics == null ? null : metrics.client(protocol, method.fullName()));
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

    /** What a probe's end records beyond its span (which it finished itself). */
    void ended(RpcProbe probe, Status status, long nanos, SocketAddress peer) {
        if (probe.wire != null) {
            boolean server = probe.role == RpcProbe.Role.SERVER;
            probe.wire.active.decrement();
            probe.wire.finished(status.code(), nanos, server ? probe.received() : probe.sent(),
                    server ? probe.sent() : probe.received());
        }
        boolean logical = probe.role == RpcProbe.Role.CALL || probe.role == RpcProbe.Role.ATTEMPT && probe.call() == null;
        if (metrics != null && logical) {
            metrics.logical(probe.method).record(status.code(), nanos);
        }
        if (access != null && (logical || probe.role == RpcProbe.Role.SERVER)) {
            access.ended(probe, status, nanos, peer);
        }
    }

    private static RpcProbe logical(CallProbe probe) {
        return probe instanceof RpcProbe r && r.role == RpcProbe.Role.CALL ? r : null;
    }
}
