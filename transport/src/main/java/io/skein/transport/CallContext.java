package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Metadata;
import io.skein.protocols.Status;
import io.skein.protocols.StatusCode;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a service knows of the call it is serving: method, request metadata, deadline, peer, and
 * whether the call is still wanted. A service may set response headers and trailers.
 *
 * <p>Thread-safe. The transport creates one per call.
 */
public final class CallContext {

    private static final long NO_DEADLINE = Long.MAX_VALUE;

    private final String method;
    private final Metadata metadata;
    private final long deadlineNanos;
    private final SocketAddress peer;
    private final CompletableFuture<Status> termination = new CompletableFuture<>();
    private volatile Metadata responseHeaders = Metadata.EMPTY;
    private volatile Metadata responseTrailers = Metadata.EMPTY;

    /**
     * @param method        {@code package.Service/Method}
     * @param metadata      request metadata
     * @param timeoutMillis the remaining budget on arrival, or {@code 0} for none
     * @param peer          the remote address
     */
    public CallContext(String method, Metadata metadata, long timeoutMillis, SocketAddress peer) {
        this.method = requireNonNull(method, "method");
        this.metadata = requireNonNull(metadata, "metadata");
        this.deadlineNanos = timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000L : NO_DEADLINE;
        this.peer = peer;
    }

    public String method() {
        return method;
    }

    /** The caller's metadata (transient and persistent). */
    public Metadata metadata() {
        return metadata;
    }

    /** The remote address, when the transport has one. */
    public Optional<SocketAddress> peer() {
        return Optional.ofNullable(peer);
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

    /** Marks the call over; used by the transport. Returns false if it already was. */
    public boolean terminate(Status status) {
        return termination.complete(requireNonNull(status, "status"));
    }

    @Override
    public String toString() {
        return "CallContext{" + method + ", peer=" + peer + ", metadata=" + metadata + '}';
    }
}
