package io.skein.runtime.observability;

import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.transport.observe.CallProbe;
import io.skein.transport.observe.TraceContext;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.Supplier;
import kamon.trace.Span;

/**
 * One observed call: a server call, a logical client call, or one client attempt on a wire. Counts its
 * messages and bytes, holds its span, and on {@link #ended} records its metrics, finishes its span and
 * writes its access-log line.
 *
 * <p>Metrics go to the recording thread's {@link MetricCells}: the call's start where it starts, its end
 * where it ends. A message's size is recorded as it passes, except the first each way, which the end
 * records: a unary call records everything at once, on one thread.
 *
 * <p>Threads: each direction of a call has one writer at a time (the connection's I/O thread receives,
 * the call's stage or the service answering it sends, each handing over to the next with a
 * happens-before edge), and {@link #ended} comes once, after every message hook (the {@link CallProbe}
 * contract), so a probe's own counts are plain fields. A logical call's counts, which its concurrent
 * attempts (a backup request beside the first try) share, are updated atomically. The span is Kamon's
 * (thread-safe).
 */
final class RpcProbe implements CallProbe {

    /**
     * What this probe stands for: a server call; a logical client call (its own span, no wire); one
     * attempt of a call on a wire (its own span, child of the call's); or the wire of a logical call
     * that no layer split into attempts (the call's span, wire metrics of its own).
     */
    enum Role { SERVER, CALL, ATTEMPT, WIRE }

    private static final VarHandle SENT;
    private static final VarHandle RECEIVED;
    private static final VarHandle SENT_BYTES;
    private static final VarHandle RECEIVED_BYTES;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SENT = lookup.findVarHandle(RpcProbe.class, "sent", int.class);
            RECEIVED = lookup.findVarHandle(RpcProbe.class, "received", int.class);
            SENT_BYTES = lookup.findVarHandle(RpcProbe.class, "sentBytes", long.class);
            RECEIVED_BYTES = lookup.findVarHandle(RpcProbe.class, "receivedBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final KamonCallObserver observer;
    final Role role;
    final String method;
    final long startNanos;
    final Span span;               // this probe's own span, finished at its end; null when unsampled or not tracing
    final TraceContext trace;      // what this call sends as its parent (sampled or not), null when not tracing
    final RpcMetrics.MethodMetrics wire; // wire-level instruments (server, attempt, wire), else null
    final MetricCells startCells;  // the wire instruments' cells of the thread that started the call, else null
    private final Thread startThread;
    private final SocketAddress peer;             // a server call's peer, known at its start
    private final Supplier<SocketAddress> lookup; // a client call's, known once it has a connection
    private final RpcProbe call;   // an attempt's logical call, or null
    String protocol;               // a logical call learns it from its first wire
    private int sent;
    private int received;
    private long sentBytes;
    private long receivedBytes;
    int firstSent;                 // the size of the first message each way, which the end records
    int firstReceived;
    private boolean ended;

    /**
     * {@code startNanos}: when the call began, a {@link System#nanoTime()} value; {@code cells}: the
     * calling thread's cells of {@code wire} (null without). The peer is {@code peer}, or {@code lookup}'s
     * answer at the end.
     */
    RpcProbe(KamonCallObserver observer, Role role, String method, String protocol, Span span, TraceContext trace,
             SocketAddress peer, Supplier<SocketAddress> lookup, RpcProbe call, RpcMetrics.MethodMetrics wire,
             MetricCells cells, long startNanos) {
        this.observer = observer;
        this.startNanos = startNanos;
        this.role = role;
        this.method = method;
        this.protocol = protocol;
        this.span = span;
        this.trace = trace;
        this.peer = peer;
        this.lookup = lookup;
        this.call = call;
        this.wire = wire;
        this.startCells = cells;
        this.startThread = Thread.currentThread();
        if (cells != null) {
            cells.started();
        }
    }

    @Override
    public TraceContext trace() {
        return trace;
    }

    @Override
    public Metadata outbound(Metadata metadata) {
        return Spans.inject(metadata, trace);
    }

    @Override
    public void messageSent(int bytes) {
        int n = ++sent;
        sentBytes += bytes;
        if (wire != null) {
            if (n == 1) {
                firstSent = bytes;
            } else {
                observer.record(this, role == Role.SERVER ? MetricCells.RESPONSE_SIZE : MetricCells.REQUEST_SIZE, bytes);
            }
        }
        if (call != null) {
            SENT.getAndAdd(call, 1);
            SENT_BYTES.getAndAdd(call, (long) bytes);
        }
    }

    @Override
    public void messageReceived(int bytes) {
        int n = ++received;
        receivedBytes += bytes;
        if (wire != null) {
            if (n == 1) {
                firstReceived = bytes;
            } else {
                observer.record(this, role == Role.SERVER ? MetricCells.REQUEST_SIZE : MetricCells.RESPONSE_SIZE, bytes);
            }
        }
        if (call != null) {
            RECEIVED.getAndAdd(call, 1);
            RECEIVED_BYTES.getAndAdd(call, (long) bytes);
        }
    }

    @Override
    public void ended(Status status) {
        if (ended) {
            return; // the contract says once; a second call is a caller's bug and changes nothing
        }
        ended = true;
        long nanos = observer.timed() ? System.nanoTime() - startNanos : 0; // a clock reading only for who uses it
        SocketAddress remote = peer != null ? peer : lookup == null ? null : lookup.get();
        if (span != null) {
            Spans.finish(span, status, protocol, remote, role == Role.SERVER);
        }
        observer.ended(this, status, nanos, remote);
    }

    /** Whether the calling thread is the one that started the call (whose cells {@link #startCells} are). */
    boolean onStartThread() {
        return Thread.currentThread() == startThread;
    }

    /** The logical call of this attempt, or {@code null}. */
    RpcProbe call() {
        return call;
    }

    int sent() {
        return (int) SENT.getOpaque(this);
    }

    int received() {
        return (int) RECEIVED.getOpaque(this);
    }

    long sentBytes() {
        return (long) SENT_BYTES.getOpaque(this);
    }

    long receivedBytes() {
        return (long) RECEIVED_BYTES.getOpaque(this);
    }

    /** {@code host:port} of {@code address}, or {@code -}. */
    static String hostPort(SocketAddress address) {
        if (address instanceof InetSocketAddress a) {
            return (a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString()) + ":" + a.getPort();
        }
        return address == null ? "-" : address.toString();
    }
}
