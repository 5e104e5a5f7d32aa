package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import io.skein.transport.observe.CallProbe;
import io.skein.transport.observe.TraceContext;
import io.skein.transport.tls.TlsPeer;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a service knows of the call it is serving: method, request metadata, deadline, peer, the TLS
 * session and authenticated principal when there are any, whether the call is still wanted, and which
 * request messages arrived compressed. A service may set response headers and trailers, and choose how
 * its responses are compressed.
 *
 * <p>It also records when the call's wait inside the node ended: the transport creates the context as it
 * admits the call, and whoever hands the call to the service's own code marks it {@linkplain #markStarted
 * started} (the service actor as it takes the call from its mailbox; the transport itself for handlers that
 * do not). The time between the two is the call's queueing delay in the node, which server limits act on.
 * A call ends exactly one way: started and then terminated, or terminated before it started.
 *
 * <p>Thread-safe. The transport creates one per call.
 */
public final class CallContext {

    private static final long NO_DEADLINE = Long.MAX_VALUE;
    private static final AtomicLong IDS = new AtomicLong();

    private final long callId = IDS.incrementAndGet();

    private static final int WAITING = 0;
    private static final int STARTED = 1;
    private static final int ENDED_WAITING = 2;

    /**
     * Told once when an admitted call stops waiting in the node: its service started it, or it ended
     * before that. For the transport (which counts the calls queued for each service and tells the call's
     * admission); runs on the thread that started or ended the call, and must be quick.
     */
    @FunctionalInterface
    public interface QueueExit {
        /**
         * @param started     whether the service started the call (false: it ended while still waiting)
         * @param waitedNanos how long it waited since it was admitted
         */
        void left(boolean started, long waitedNanos);
    }

    private final String method;
    private final Metadata metadata;
    private final long deadlineNanos;
    private final SocketAddress peer;
    private final TlsPeer tls;
    private volatile Principal principal;
    private final CompletableFuture<Status> termination = new CompletableFuture<>();
    private volatile Metadata responseHeaders = Metadata.EMPTY;
    private volatile Metadata responseTrailers = Metadata.EMPTY;
    private volatile String responseCompression;
    // Set by the dispatcher before the call starts; ended once, by terminate().
    private volatile CallProbe probe = CallProbe.NONE;
    // Requests that arrived compressed (true), and responses the service chose to send compressed or not.
    private final MessageMarks compressedRequests = new MessageMarks();
    private final MessageMarks responseChoices = new MessageMarks();
    private final long admittedNanos = System.nanoTime();
    private final AtomicInteger queueState = new AtomicInteger(WAITING);
    private volatile long queuedNanos = -1;
    private volatile QueueExit queueExit;

    /**
     * @param method        {@code package.Service/Method}
     * @param metadata      request metadata
     * @param timeoutMillis the remaining budget on arrival, or {@code 0} for none
     * @param peer          the remote address
     */
    public CallContext(String method, Metadata metadata, long timeoutMillis, SocketAddress peer) {
        this(method, metadata, timeoutMillis, peer, null);
    }

    /**
     * @param method        {@code package.Service/Method}
     * @param metadata      request metadata
     * @param timeoutMillis the remaining budget on arrival, or {@code 0} for none
     * @param peer          the remote address
     * @param tls           the connection's TLS session, or {@code null} for a plaintext connection
     */
    public CallContext(String method, Metadata metadata, long timeoutMillis, SocketAddress peer, TlsPeer tls) {
        this.method = requireNonNull(method, "method");
        this.metadata = requireNonNull(metadata, "metadata");
        this.deadlineNanos = timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000L : NO_DEADLINE;
        this.peer = peer;
        this.tls = tls;
    }

    public String method() {
        return method;
    }

    /**
     * A number that names this call in this process's logs (unique per process, never sent): the
     * server logs a crashed call with it.
     */
    public long callId() {
        return callId;
    }

    /** The caller's metadata (transient and persistent). */
    public Metadata metadata() {
        return metadata;
    }

    /** The remote address, when the transport has one. */
    public Optional<SocketAddress> peer() {
        return Optional.ofNullable(peer);
    }

    /**
     * The TLS session the call arrived on (version, cipher, ALPN, and the client's verified certificate
     * under mutual TLS); empty for a plaintext connection.
     */
    public Optional<TlsPeer> tls() {
        return Optional.ofNullable(tls);
    }

    /** Who is calling, as an authenticating {@link ServerInterceptor} proved it; empty for an anonymous call. */
    public Optional<Principal> principal() {
        return Optional.ofNullable(principal);
    }

    /** Sets the call's principal; for authenticating {@link ServerInterceptor}s, before the service sees the call. */
    public void setPrincipal(Principal principal) {
        this.principal = requireNonNull(principal, "principal");
    }

    /** Whether the caller set a deadline. */
    public boolean hasDeadline() {
        return deadlineNanos != NO_DEADLINE;
    }

    /** Time left before the deadline (zero or negative once passed); empty without a deadline. */
    public Optional<Duration> timeRemaining() {
        return hasDeadline() ? Optional.of(Duration.ofNanos(deadlineNanos - System.nanoTime())) : Optional.empty();
    }

    /** The deadline as a {@link System#nanoTime()} value, {@link Long#MAX_VALUE} without one. */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    /** Whether the call is over: answered, cancelled by the caller, or past its deadline. */
    public boolean isDone() {
        return termination.isDone();
    }

    /**
     * Completes when the call ends, with its final status: {@code OK} or an error once answered,
     * {@code CANCELLED} when the caller cancelled, {@code DEADLINE_EXCEEDED} when the deadline passed,
     * {@code UNAVAILABLE} when the connection closed. Services stop work when it completes.
     */
    public CompletionStage<Status> termination() {
        return termination;
    }

    /** Whether the call ended other than by being answered (cancelled, expired, connection lost). */
    public boolean isCancelled() {
        Status s = termination.getNow(null);
        return s != null && (s.code() == StatusCode.CANCELLED || s.code() == StatusCode.DEADLINE_EXCEEDED
                || s.code() == StatusCode.UNAVAILABLE);
    }

    /**
     * The trace this call belongs to, as the server's observer started it (its server span), or empty
     * when nobody traces. Pass the context to {@link CallOptions#continuing} and the calls made while
     * serving it continue the trace.
     */
    public Optional<TraceContext> trace() {
        return Optional.ofNullable(probe.trace());
    }

    /** The call's {@link CallProbe} ({@link CallProbe#NONE} unless observed); used by the transport. */
    public CallProbe probe() {
        return probe;
    }

    /** Sets the call's probe, ended when the call terminates; used by the dispatcher before the call starts. */
    public void observe(CallProbe probe) {
        this.probe = requireNonNull(probe, "probe");
    }

    /** Metadata sent back before the first response (or with the unary response). */
    public void setResponseHeaders(Metadata headers) {
        this.responseHeaders = requireNonNull(headers, "headers");
    }

    /** Metadata sent back with the final status. */
    public void setResponseTrailers(Metadata trailers) {
        this.responseTrailers = requireNonNull(trailers, "trailers");
    }

    public Metadata responseHeaders() {
        return responseHeaders;
    }

    public Metadata responseTrailers() {
        return responseTrailers;
    }

    /**
     * Whether {@code request}, a message of this call, arrived compressed on the wire (gRPC: its
     * compressed flag was set). False for one that came uncompressed, over a protocol without compression
     * (the native one), or that is not a request of this call. Messages are told apart by identity, so
     * this holds wherever the service looks at the request, also after buffering or collecting a stream;
     * no request is kept alive for it.
     */
    public boolean wasCompressed(Object request) {
        return Boolean.TRUE.equals(compressedRequests.get(requireNonNull(request, "request")));
    }

    /** Records that {@code request} arrived compressed; used by the transport before the service sees it. */
    public void recordCompressed(Object request) {
        compressedRequests.put(requireNonNull(request, "request"), true);
    }

    /**
     * Chooses the compression of this call's responses, as grpc-java's {@code ServerCall.setCompression}:
     * {@code "gzip"} or {@code "identity"}; {@code null} restores the default, gzip exactly when the
     * client compressed its request. It counts when set before the response headers go out (before the
     * first response message, or with a unary answer), and gzip only when the client accepts it (its
     * {@code grpc-accept-encoding} lists gzip, as Skein's and grpc-java's clients do); otherwise the
     * responses go uncompressed. Over the native protocol, which has no message compression, it is
     * ignored.
     *
     * @throws IllegalArgumentException for another name
     */
    public void setResponseCompression(String name) {
        String n = CallOptions.compressionName(name);
        this.responseCompression = n == null && name != null ? CallOptions.IDENTITY : n;
    }

    /** The compression the service chose for its responses, or {@code null} for the transport's default. */
    public String responseCompression() {
        return responseCompression;
    }

    /**
     * Chooses whether one response message is compressed when the call's responses are (see
     * {@link #setResponseCompression}): false sends {@code response} uncompressed on a compressed call,
     * as gRPC allows (grpc-java's {@code setMessageCompression(false)}). Mark a response before handing it
     * to the transport; unmarked ones are compressed when the call is. Messages are told apart by
     * identity; a mark does not keep its message alive.
     */
    public void setMessageCompression(Object response, boolean compress) {
        responseChoices.put(requireNonNull(response, "response"), compress);
    }

    /**
     * Whether to compress {@code response} when the call's responses are compressed (true unless the
     * service {@linkplain #setMessageCompression chose otherwise}); forgets the choice. Used by the
     * transport as it sends the response.
     */
    public boolean takeMessageCompression(Object response) {
        return !Boolean.FALSE.equals(responseChoices.take(requireNonNull(response, "response")));
    }

    /** When the transport admitted the call (this context's creation), as a {@link System#nanoTime()} value. */
    public long admittedNanos() {
        return admittedNanos;
    }

    /**
     * Marks that the service began working on the call, ending its wait in the node. The first mark after
     * admission counts; it returns false when the call was already started or has already ended (cancelled,
     * expired, its connection lost while it waited), in which case nobody is waiting for its answer any more.
     * Called by the service layer (a service actor taking the call from its mailbox) or by the transport.
     */
    public boolean markStarted() {
        if (!queueState.compareAndSet(WAITING, STARTED)) {
            return false;
        }
        long waited = System.nanoTime() - admittedNanos;
        queuedNanos = waited;
        QueueExit exit = queueExit;
        if (exit != null) {
            exit.left(true, waited);
        }
        return true;
    }

    /** Whether the service has started the call ({@link #markStarted}). */
    public boolean isStarted() {
        return queueState.get() == STARTED;
    }

    /** How long the call waited in the node before its service started it; empty until it started (or if it never did). */
    public Optional<Duration> queueingDelay() {
        long q = queuedNanos;
        return q < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(q));
    }

    /**
     * Who to tell when the call stops waiting in the node; set by the transport as it admits the call,
     * before the call can start or end.
     */
    public void onQueueExit(QueueExit exit) {
        this.queueExit = requireNonNull(exit, "exit");
    }

    /**
     * Marks the call over; used by the transport. Returns false if it already was. A call that had not
     * started leaves the node's queue here, before the call's end is reported.
     */
    public boolean terminate(Status status) {
        requireNonNull(status, "status");
        if (queueState.compareAndSet(WAITING, ENDED_WAITING)) {
            QueueExit exit = queueExit;
            if (exit != null) {
                exit.left(false, System.nanoTime() - admittedNanos);
            }
        }
        if (!termination.complete(status)) {
            return false;
        }
        probe.ended(status);
        return true;
    }

    @Override
    public String toString() {
        return "CallContext{#" + callId + " " + method + ", peer=" + peer
                + (principal == null ? "" : ", principal=" + principal.name()) + ", metadata=" + metadata + '}';
    }
}
