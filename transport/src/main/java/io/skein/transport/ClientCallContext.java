package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.observe.CallProbe;
import io.skein.transport.observe.TraceContext;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * One client call as every layer of the client chain sees it — the client's counterpart of the
 * server's {@link CallContext}: the method, the deadline (fixed when the call is made, so waiting for
 * a connection counts), the request metadata, which attempt this is and which instance it went to,
 * the server's response metadata, and the call's cancellation. {@link ClientChannel#unary} creates
 * one per call and passes it down; a layer that makes several attempts (retry, backup requests)
 * passes each a {@linkplain #newAttempt child} of its own. Tracing and metrics hook in here.
 *
 * <p>Thread-safe. What a layer may change is narrow on purpose: the deadline can only be shortened,
 * the picked instance is set by the balancer of that attempt, and cancellation happens once.
 */
public final class ClientCallContext {

    private static final Status CANCELLED_BY_CALLER = Status.of(StatusCode.CANCELLED, "cancelled by client");

    private final MethodDescriptor<?, ?> method;
    private final CallOptions options;
    private final ClientCallContext parent;
    private final int attempt;
    private final Metadata metadata;
    private final Set<String> avoid;
    private final long startNanos;
    private final ResponseMetadata responseMetadata;
    private volatile long deadlineNanos;
    private volatile String pickedInstance;
    private volatile SocketAddress remoteAddress;
    private volatile CallProbe probe = CallProbe.NONE;
    // Cancellation: the status once cancelled, and the listeners to run then (guarded by this).
    private Status cancellation;
    private Object listeners; // null, one Consumer, or a Consumer[]
    private int attempts; // attempts made of this call (root only; guarded by this)

    private ClientCallContext(MethodDescriptor<?, ?> method, CallOptions options, ClientCallContext parent,
                              int attempt, Metadata metadata, Set<String> avoid, long startNanos,
                              long deadlineNanos, ResponseMetadata responseMetadata) {
        this.method = method;
        this.options = options;
        this.parent = parent;
        this.attempt = attempt;
        this.metadata = metadata;
        this.avoid = avoid;
        this.startNanos = startNanos;
        this.deadlineNanos = deadlineNanos;
        this.responseMetadata = responseMetadata;
    }

    /**
     * The context of a call of {@code method} made now with {@code options}: its deadline is now plus
     * the options' timeout. The server's response metadata goes to {@link CallOptions#responseMetadata()}
     * when the caller asked for it.
     */
    public static ClientCallContext create(MethodDescriptor<?, ?> method, CallOptions options) {
        requireNonNull(method, "method");
        requireNonNull(options, "options");
        long now = System.nanoTime();
        long deadline = options.timeout() == null ? 0 : deadlineOf(now, options.timeout());
        return new ClientCallContext(method, options, null, 0, options.metadata(), Set.of(), now, deadline,
                options.responseMetadata());
    }

    private static long deadlineOf(long startNanos, Duration timeout) {
        long d = startNanos + Math.max(1, timeout.toNanos());
        return d == 0 ? 1 : d; // 0 means "none"
    }

    /**
     * Another attempt at this call (a retry or a backup request): same method and deadline, its own
     * request metadata, response metadata, picked instance and cancellation; cancelling this context
     * cancels the attempt too. {@code avoid} names instances (by id) the balancer should not pick for it.
     */
    public ClientCallContext newAttempt(Metadata metadata, Set<String> avoid) {
        requireNonNull(metadata, "metadata");
        requireNonNull(avoid, "avoid");
        ClientCallContext root = parent == null ? this : parent;
        ClientCallContext child = new ClientCallContext(method, options, root, root.attemptsMade(), metadata,
                Set.copyOf(avoid), startNanos, deadlineNanos,
                root.responseMetadata == null ? null : root.responseMetadata.forAttempt());
        root.onCancel(child::cancel);
        return child;
    }

    private synchronized int attemptsMade() {
        return ++attempts;
    }

    public MethodDescriptor<?, ?> method() {
        return method;
    }

    /** The options the caller made the call with. */
    public CallOptions options() {
        return options;
    }

    /** The request metadata of this attempt. */
    public Metadata metadata() {
        return metadata;
    }

    /** 0 for the call as made; 1, 2, ... for the attempts a retry or backup layer made of it. */
    public int attempt() {
        return attempt;
    }

    /** The call this is an attempt of, or {@code null} for the call itself. */
    public ClientCallContext parent() {
        return parent;
    }

    /** Instances (by id) this attempt should avoid when another is eligible. */
    public Set<String> avoidInstances() {
        return avoid;
    }

    /** When the call was made, as a {@link System#nanoTime()} value. */
    public long startNanos() {
        return startNanos;
    }

    /** Whether the call has a deadline. */
    public boolean hasDeadline() {
        return deadlineNanos != 0;
    }

    /** The deadline as a {@link System#nanoTime()} value, or 0 without one. */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /** The call's time budget from when it was made to its deadline; empty without a deadline. */
    public Optional<Duration> timeout() {
        long d = deadlineNanos;
        return d == 0 ? Optional.empty() : Optional.of(Duration.ofNanos(d - startNanos));
    }

    /** Time left before the deadline (zero or negative once passed); empty without a deadline. */
    public Optional<Duration> timeRemaining() {
        long d = deadlineNanos;
        return d == 0 ? Optional.empty() : Optional.of(Duration.ofNanos(d - System.nanoTime()));
    }

    /**
     * Bounds the call by {@code timeout} from when it was made, unless its deadline is already earlier
     * (a layer's default timeout never extends the caller's). Call before the call is sent on.
     */
    public void limitTimeout(Duration timeout) {
        requireNonNull(timeout, "timeout");
        long candidate = deadlineOf(startNanos, timeout);
        long current = deadlineNanos;
        if (current == 0 || candidate - current < 0) {
            deadlineNanos = candidate;
        }
    }

    /** Where the server's response metadata goes, or {@code null} when nobody asked for it. */
    public ResponseMetadata responseMetadata() {
        return responseMetadata;
    }

    /** The instance (by id) the balancer picked for this attempt, or {@code null}. */
    public String pickedInstance() {
        return pickedInstance;
    }

    /** Records the instance the balancer picked for this attempt. */
    public void pickedInstance(String instanceId) {
        this.pickedInstance = instanceId;
    }

    /** The address the call went to, once a transport took it, or {@code null}. */
    public SocketAddress remoteAddress() {
        return remoteAddress;
    }

    /** Records the address the call went to (set by the transport). */
    public void remoteAddress(SocketAddress address) {
        this.remoteAddress = address;
    }

    /**
     * The probe of this call as its channel's observer made it ({@link CallProbe#NONE} when nobody
     * observes): for the logical call, the one {@link io.skein.transport.observe.CallObserver#clientCall}
     * returned; an attempt's own probe is its transport's.
     */
    public CallProbe probe() {
        return probe;
    }

    /** Sets this call's probe; used by the channel entry that made the call. */
    public void observe(CallProbe probe) {
        this.probe = requireNonNull(probe, "probe");
    }

    /** The trace of this call (its client span), or {@code null} when nobody traces it. */
    public TraceContext trace() {
        return probe.trace();
    }

    /** The executor that completes the caller's future, or {@code null} for the I/O thread (see {@link CallOptions#withExecutor}). */
    public Executor executor() {
        return options.executor();
    }

    /**
     * Cancels the call (and every attempt of it) with {@code status}, which must be CANCELLED or
     * DEADLINE_EXCEEDED: the listeners run now, on this thread. Returns false when it already was.
     */
    public boolean cancel(Status status) {
        requireNonNull(status, "status");
        Object toRun;
        synchronized (this) {
            if (cancellation != null) {
                return false;
            }
            cancellation = status;
            toRun = listeners;
            listeners = null;
        }
        run(toRun, status);
        return true;
    }

    /** Cancels the call as its caller does ({@code CANCELLED "cancelled by client"}). */
    public boolean cancel() {
        return cancel(CANCELLED_BY_CALLER);
    }

    /** Whether the call was cancelled. */
    public synchronized boolean isCancelled() {
        return cancellation != null;
    }

    /** Why the call was cancelled, or {@code null}. */
    public synchronized Status cancellation() {
        return cancellation;
    }

    /**
     * Runs {@code listener} with the status when the call is cancelled; at once (on this thread) if it
     * already was. Listeners must be quick and must not block.
     */
    public void onCancel(Consumer<Status> listener) {
        requireNonNull(listener, "listener");
        Status already;
        synchronized (this) {
            already = cancellation;
            if (already == null) {
                if (listeners == null) {
                    listeners = listener;
                } else if (listeners instanceof Consumer<?> one) {
                    listeners = new Object[] {one, listener};
                } else {
                    Object[] old = (Object[]) listeners;
                    Object[] grown = java.util.Arrays.copyOf(old, old.length + 1);
                    grown[old.length] = listener;
                    listeners = grown;
                }
                return;
            }
        }
        listener.accept(already);
    }

    @SuppressWarnings("unchecked")
    private static void run(Object toRun, Status status) {
        if (toRun == null) {
            return;
        }
        if (toRun instanceof Consumer<?> one) {
            ((Consumer<Status>) one).accept(status);
            return;
        }
        for (Object o : (Object[]) toRun) {
            ((Consumer<Status>) o).accept(status);
        }
    }

    @Override
    public String toString() {
        return "ClientCallContext{" + method.fullName() + (attempt > 0 ? ", attempt " + attempt : "")
                + (pickedInstance != null ? ", instance " + pickedInstance : "") + '}';
    }
}
