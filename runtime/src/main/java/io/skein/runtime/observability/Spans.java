package io.skein.runtime.observability;

import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.transport.observe.TraceContext;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import kamon.Kamon;
import kamon.trace.Identifier;
import kamon.trace.Span;
import kamon.trace.SpanBuilder;
import kamon.trace.Trace;

/**
 * Kamon spans for RPCs and their W3C Trace Context form: building server, client and attempt spans with
 * OpenTelemetry's RPC attributes ({@code rpc.system}, {@code rpc.service}, {@code rpc.method},
 * {@code rpc.status_code}, {@code rpc.grpc.status_code} over gRPC, peer address), turning a
 * {@code traceparent} into a remote parent, and writing {@code traceparent}/{@code tracestate} into request
 * metadata. Requires Kamon's {@code double} identifier scheme (16-byte trace ids). Stateless.
 */
final class Spans {

    // Scala objects, which Java cannot name directly: looked up once.
    static final Span.Kind SERVER = module("kamon.trace.Span$Kind$Server$");
    static final Span.Kind CLIENT = module("kamon.trace.Span$Kind$Client$");
    private static final Trace.SamplingDecision SAMPLE = module("kamon.trace.Trace$SamplingDecision$Sample$");
    private static final Trace.SamplingDecision DO_NOT_SAMPLE = module("kamon.trace.Trace$SamplingDecision$DoNotSample$");
    private static final Identifier EMPTY_ID = ((kamon.trace.Identifier$) module("kamon.trace.Identifier$")).Empty();

    private Spans() {
    }

    @SuppressWarnings("unchecked")
    private static <T> T module(String className) {
        try {
            return (T) Class.forName(className).getField("MODULE$").get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Kamon without " + className + ": " + e, e);
        }
    }

    /**
     * A started span of {@code kind} for {@code method} over {@code protocol}, child of {@code parent} (a span
     * or null); a root span is sampled when {@code sampleRoot} (else Kamon's sampler decides).
     */
    static Span start(String method, Span.Kind kind, String protocol, Span parent, long attempt, boolean sampleRoot) {
        int slash = method.lastIndexOf('/');
        SpanBuilder b = Kamon.spanBuilder(method)
                .kind(kind)
                .ignoreParentFromContext()
                .doNotTrackMetrics()
                .tag("rpc.service", slash > 0 ? method.substring(0, slash) : method)
                .tag("rpc.method", slash > 0 ? method.substring(slash + 1) : method);
        if (protocol != null) {
            b.tag("rpc.system", protocol);
        }
        if (attempt > 0) {
            b.tag("rpc.attempt", attempt);
        }
        if (parent != null) {
            b.asChildOf(parent);
        } else if (sampleRoot) {
            b.samplingDecision(SAMPLE);
        }
        return b.start();
    }

    /** The remote parent span {@code parent} stands for, or null. */
    static Span remote(TraceContext parent) {
        if (parent == null) {
            return null;
        }
        Identifier.Scheme scheme = Kamon.identifierScheme();
        Trace trace = kamon.trace.Trace$.MODULE$.create(scheme.traceIdFactory().from(parent.traceId()),
                parent.sampled() ? SAMPLE : DO_NOT_SAMPLE);
        return new Span.Remote(scheme.spanIdFactory().from(parent.spanId()), EMPTY_ID, trace);
    }

    /** The W3C ids of {@code span}, with {@code traceState} passed on. */
    static TraceContext traceContext(Span span, String traceState) {
        return new TraceContext(span.trace().id().string(), span.id().string(),
                span.trace().samplingDecision() == SAMPLE,
                traceState == null ? "" : traceState);
    }

    /** The incoming trace context of a server call's request metadata, or null (absent or malformed). */
    static TraceContext extract(Metadata metadata) {
        return TraceContext.parse(metadata.get(TraceContext.TRACEPARENT), metadata.get(TraceContext.TRACESTATE));
    }

    /** {@code metadata} plus the propagation keys of {@code trace}; {@code metadata} itself when no trace. */
    static Metadata inject(Metadata metadata, TraceContext trace) {
        if (trace == null) {
            return metadata;
        }
        Metadata.Builder b = metadata.toBuilder().put(TraceContext.TRACEPARENT, trace.traceparent());
        if (!trace.traceState().isEmpty()) {
            b.put(TraceContext.TRACESTATE, trace.traceState());
        }
        return b.build();
    }

    /** Tags the outcome and the peer and finishes {@code span}. */
    static void finish(Span span, Status status, String protocol, SocketAddress peer, boolean server) {
        span.tag("rpc.status_code", status.code().name());
        if (protocol != null) {
            span.tag("rpc.system", protocol);
            if (protocol.equals("grpc")) {
                span.tag("rpc.grpc.status_code", (long) status.code().value());
            }
        }
        if (peer instanceof InetSocketAddress a) {
            String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
            span.tag(server ? "client.address" : "server.address", host);
            span.tag(server ? "client.port" : "server.port", (long) a.getPort());
        }
        if (!status.isOk()) {
            span.fail(status.code().name() + (status.message().isEmpty() ? "" : ": " + status.message()));
        }
        span.finish();
    }
}
