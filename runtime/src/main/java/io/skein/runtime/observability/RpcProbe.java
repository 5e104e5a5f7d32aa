package io.skein.runtime.observability;

import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.transport.observe.CallProbe;
import io.skein.transport.observe.TraceContext;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.function.Supplier;
import kamon.trace.Span;

/**
 * One observed call: a server call, a logical client call, or one client attempt on a wire. Counts its
 * messages and bytes, holds its span, and on {@link #ended} records its metrics, finishes its span and
 * writes its access-log line, exactly once.
 *
 * <p>Thread-safe: the end is decided by one CAS; the span is Kamon's (thread-safe). Each direction of
 * a call has one writer at a time (the connection's I/O thread receives, the call's stage or the service
 * answering it sends, each handing over to the next with a happens-before edge), so a probe counts its
 * own messages with ordered stores instead of atomic read-modify-writes; a logical call's counts, which
 * its concurrent attempts (a backup request beside the first try) share, stay atomic.
 */
final class RpcProbe implements CallProbe {

    /**
     * What this probe stands for: a server call; a logical client call (its own span, no wire); one
     * attempt of a call on a wire (its own span, child of the call's); or the wire of a logical call
     * that no layer split into attempts (the call's span, wire metrics of its own).
     */
    enum Role { SERVER, CALL, ATTEMPT, WIRE }

    private static final AtomicIntegerFieldUpdater<RpcProbe> SENT = AtomicIntegerFieldUpdater.newUpdater(RpcProbe.class, "sent");
    private static final AtomicIntegerFieldUpdater<RpcProbe> RECEIVED = AtomicIntegerFieldUpdater.newUpdater(RpcProbe.class, "received");
    private static final AtomicIntegerFieldUpdater<RpcProbe> ENDED = AtomicIntegerFieldUpdater.newUpdater(RpcProbe.class, "ended");
    private static final AtomicLongFieldUpdater<RpcProbe> SENT_BYTES = AtomicLongFieldUpdater.newUpdater(RpcProbe.class, "sentBytes");
    private static final AtomicLongFieldUpdater<RpcProbe> RECEIVED_BYTES = AtomicLongFieldUpdater.newUpdater(RpcProbe.class, "receivedBytes");

    private final KamonCallObserver observer;
    final Role role;
    final String method;
    final long startNanos;
    final Span span;               // this probe's own span, finished at its end; null when unsampled or not tracing
    final TraceContext trace;      // what this call sends as its parent (sampled or not), null when not tracing
    final RpcMetrics.MethodMetrics wire; // wire-level instruments (server, attempt, wire), else null
    private final Supplier<SocketAddress> peer;
    private final RpcProbe call;   // an attempt's logical call, or null
    volatile String protocol;      // a logical call learns it from its first wire
    private volatile int sent;
    private volatile int received;
    private volatile long sentBytes;
    private volatile long receivedBytes;
    private volatile int ended;

    /** {@code startNanos}: when the call began, a {@link System#nanoTime()} value. */
    RpcProbe(KamonCallObserver observer, Role role, String method, String protocol, Span span, TraceContext trace,
             Supplier<SocketAddress> peer, RpcProbe call, RpcMetrics.MethodMetrics wire, long startNanos) {
        this.observer = observer;
        this.startNanos = startNanos;
        this.role = role;
        this.method = method;
        this.protocol = protocol;
        this.span = span;
        this.trace = trace;
        this.peer = peer;
        this.call = call;
        this.wire = wire;
        if (wire != null) {
            wire.started.increment();
            wire.active.increment();
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
        SENT.lazySet(this, sent + 1);
        SENT_BYTES.lazySet(this, sentBytes + bytes);
        if (wire != null) {
            (role == Role.SERVER ? wire.responseSize : wire.requestSize).record(bytes);
        }
        if (call != null) {
            SENT.incrementAndGet(call);
            SENT_BYTES.addAndGet(call, bytes);
        }
    }

    @Override
    public void messageReceived(int bytes) {
        RECEIVED.lazySet(this, received + 1);
        RECEIVED_BYTES.lazySet(this, receivedBytes + bytes);
        if (wire != null) {
            (role == Role.SERVER ? wire.requestSize : wire.responseSize).record(bytes);
        }
        if (call != null) {
            RECEIVED.incrementAndGet(call);
            RECEIVED_BYTES.addAndGet(call, bytes);
        }
    }

    @Override
    public void ended(Status status) {
        if (!ENDED.compareAndSet(this, 0, 1)) {
            return;
        }
        long nanos = System.nanoTime() - startNanos;
        SocketAddress remote = peer == null ? null : peer.get();
        if (span != null) {
            Spans.finish(span, status, protocol, remote, role == Role.SERVER);
        }
        observer.ended(this, status, nanos, remote);
    }

    /** The logical call of this attempt, or {@code null}. */
    RpcProbe call() {
        return call;
    }

    int sent() {
        return sent;
    }

    int received() {
        return received;
    }

    long sentBytes() {
        return sentBytes;
    }

    long receivedBytes() {
        return receivedBytes;
    }

    /** {@code host:port} of {@code address}, or {@code -}. */
    static String hostPort(SocketAddress address) {
        if (address instanceof InetSocketAddress a) {
            return (a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString()) + ":" + a.getPort();
        }
        return address == null ? "-" : address.toString();
    }
}
