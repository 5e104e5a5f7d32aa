package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Metadata;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * What a caller asks of one call, immutable: timeout (which becomes the deadline carried on the
 * wire), request metadata, an optional capture of the server's response metadata, and the executor
 * that completes the call's future. What the client chain learns and decides about the call while it
 * runs (deadline, attempt, picked instance, cancellation) lives in its {@link ClientCallContext}.
 */
public final class CallOptions {

    /** No timeout, no metadata. */
    public static final CallOptions DEFAULT = new CallOptions(null, Metadata.EMPTY, null, null);

    private final Duration timeout;
    private final Metadata metadata;
    private final ResponseMetadata responseMetadata;
    private final Executor executor;

    private CallOptions(Duration timeout, Metadata metadata, ResponseMetadata responseMetadata, Executor executor) {
        this.timeout = timeout;
        this.metadata = metadata;
        this.responseMetadata = responseMetadata;
        this.executor = executor;
    }

    /** The time budget of the call, or {@code null} for none. */
    public Duration timeout() {
        return timeout;
    }

    public Metadata metadata() {
        return metadata;
    }

    /** Where the server's headers and trailers go, or {@code null} when nobody asked for them. */
    public ResponseMetadata responseMetadata() {
        return responseMetadata;
    }

    /** A copy with the given timeout ({@code null}: none). */
    public CallOptions withTimeout(Duration timeout) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        return new CallOptions(timeout, metadata, responseMetadata, executor);
    }

    /** A copy with the given request metadata. */
    public CallOptions withMetadata(Metadata metadata) {
        return new CallOptions(timeout, requireNonNull(metadata, "metadata"), responseMetadata, executor);
    }

    /** A copy that records the server's response metadata into {@code capture}. */
    public CallOptions withResponseMetadata(ResponseMetadata capture) {
        return new CallOptions(timeout, metadata, requireNonNull(capture, "capture"), executor);
    }

    /**
     * The executor that completes a unary call's future, or {@code null} (the default) for the I/O
     * thread that read the answer.
     */
    public Executor executor() {
        return executor;
    }

    /**
     * A copy whose unary calls complete their futures on {@code executor} (grpc-java's call executor):
     * use it when callbacks attached to the future may block, which they must never do on an I/O
     * thread. {@code null} restores the default (completion on the I/O thread, the fastest).
     */
    public CallOptions withExecutor(Executor executor) {
        return new CallOptions(timeout, metadata, responseMetadata, executor);
    }

    /**
     * Options for a call a server makes while serving {@code parent}: the parent's persistent
     * metadata travels on (transient values stop at one hop, as in Kitex's metainfo) and the parent's
     * remaining deadline becomes this call's timeout, so a call chain never outlives its caller.
     * A deadline already passed yields a 1 ms timeout, which fails at once with DEADLINE_EXCEEDED.
     */
    public static CallOptions continuing(CallContext parent) {
        requireNonNull(parent, "parent");
        CallOptions options = DEFAULT.withMetadata(parent.metadata().persistentOnly());
        return parent.timeRemaining()
                .map(left -> options.withTimeout(left.toMillis() >= 1 ? left : Duration.ofMillis(1)))
                .orElse(options);
    }

    /** Shorthand for {@code DEFAULT.withTimeout(timeout)}. */
    public static CallOptions timeout(Duration timeout) {
        return DEFAULT.withTimeout(timeout);
    }

    @Override
    public String toString() {
        return "CallOptions{timeout=" + timeout + ", metadata=" + metadata + '}';
    }
}
