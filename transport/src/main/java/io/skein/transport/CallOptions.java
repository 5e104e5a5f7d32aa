package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Metadata;
import io.skein.transport.observe.TraceContext;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/**
 * What a caller asks of one call, immutable: timeout (which becomes the deadline carried on the
 * wire), request metadata, an optional capture of the server's response metadata, the executor
 * that completes the call's future, and the compression of the request messages. What the client
 * chain learns and decides about the call while it runs (deadline, attempt, picked instance,
 * cancellation) lives in its {@link ClientCallContext}.
 */
public final class CallOptions {

    /** No timeout, no metadata. */
    public static final CallOptions DEFAULT = new CallOptions(null, Metadata.EMPTY, null, null, null, null, null);

    /** gzip: the compression {@link #withCompression} and {@link CallContext#setResponseCompression} take. */
    public static final String GZIP = "gzip";
    /** No compression, the default. */
    public static final String IDENTITY = "identity";

    private static final Predicate<Object> EVERY_MESSAGE = message -> true;

    private final Duration timeout;
    private final Metadata metadata;
    private final ResponseMetadata responseMetadata;
    private final Executor executor;
    private final String compression;
    private final Predicate<Object> messageCompression;
    private final TraceContext parentTrace;

    private CallOptions(Duration timeout, Metadata metadata, ResponseMetadata responseMetadata, Executor executor,
                        String compression, Predicate<Object> messageCompression, TraceContext parentTrace) {
        this.parentTrace = parentTrace;
        this.timeout = timeout;
        this.metadata = metadata;
        this.responseMetadata = responseMetadata;
        this.executor = executor;
        this.compression = compression;
        this.messageCompression = messageCompression;
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
        return new CallOptions(timeout, metadata, responseMetadata, executor, compression, messageCompression, parentTrace);
    }

    /** A copy with the given request metadata. */
    public CallOptions withMetadata(Metadata metadata) {
        return new CallOptions(timeout, requireNonNull(metadata, "metadata"), responseMetadata, executor, compression,
                messageCompression, parentTrace);
    }

    /** A copy whose metadata carries {@code credentials} (a bearer token: {@link CallCredentials#bearer}). */
    public CallOptions withCredentials(CallCredentials credentials) {
        return withMetadata(requireNonNull(credentials, "credentials").applyTo(metadata));
    }

    /** A copy that records the server's response metadata into {@code capture}. */
    public CallOptions withResponseMetadata(ResponseMetadata capture) {
        return new CallOptions(timeout, metadata, requireNonNull(capture, "capture"), executor, compression,
                messageCompression, parentTrace);
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
        return new CallOptions(timeout, metadata, responseMetadata, executor, compression, messageCompression, parentTrace);
    }

    /**
     * The compression of this call's request messages: {@link #GZIP}, or {@code null} (the default) for
     * none.
     */
    public String compression() {
        return compression;
    }

    /**
     * A copy that compresses the request messages with {@code name}, as grpc-java's
     * {@code CallOptions.withCompression} does: {@code "gzip"}, or {@code "identity"} (or {@code null})
     * for none, the default. Over gRPC the request then carries {@code grpc-encoding: gzip} and every
     * request message is compressed unless {@link #withMessageCompression} says otherwise; responses are
     * decompressed whatever the server chose (Skein always offers {@code grpc-accept-encoding: gzip}).
     * The native protocol has no message compression and ignores this.
     *
     * @throws IllegalArgumentException for any other name
     */
    public CallOptions withCompression(String name) {
        return new CallOptions(timeout, metadata, responseMetadata, executor, compressionName(name),
                messageCompression, parentTrace);
    }

    /** Whether to compress a request message of a compressed call: every one unless {@link #withMessageCompression} chose. */
    public Predicate<Object> messageCompression() {
        return messageCompression == null ? EVERY_MESSAGE : messageCompression;
    }

    /**
     * A copy that decides per request message whether it is compressed when the call compresses (see
     * {@link #withCompression}): a message for which {@code compress} is false is sent uncompressed on
     * the compressed call, as gRPC allows (grpc-java's {@code setMessageCompression(false)}). The
     * predicate sees each request as the caller made it, on the thread that sends it; it must be quick.
     * {@code null} restores the default: every message compressed.
     */
    public CallOptions withMessageCompression(Predicate<Object> compress) {
        return new CallOptions(timeout, metadata, responseMetadata, executor, compression, compress, parentTrace);
    }

    /**
     * The trace this call continues (its client span becomes a child of this span), or {@code null}
     * to start a new trace, or nothing when nobody traces.
     */
    public TraceContext parentTrace() {
        return parentTrace;
    }

    /** A copy whose call continues the trace {@code parent} ({@code null}: a new trace). */
    public CallOptions withParentTrace(TraceContext parent) {
        return new CallOptions(timeout, metadata, responseMetadata, executor, compression, messageCompression, parent);
    }

    /** {@link #GZIP} for gzip, {@code null} for identity; anything else is an argument error. */
    static String compressionName(String name) {
        if (name == null) {
            return null;
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals(IDENTITY)) {
            return null;
        }
        if (n.equals(GZIP)) {
            return GZIP;
        }
        throw new IllegalArgumentException("unsupported compression '" + name + "' (Skein compresses with gzip or identity)");
    }

    /**
     * Options for a call a server makes while serving {@code parent}: the parent's persistent
     * metadata travels on (transient values stop at one hop, as in Kitex's metainfo) and the parent's
     * remaining deadline becomes this call's timeout, so a call chain never outlives its caller.
     * A deadline already passed yields a 1 ms timeout, which fails at once with DEADLINE_EXCEEDED.
     * When the parent call is traced, this call continues its trace ({@link #parentTrace()}).
     */
    public static CallOptions continuing(CallContext parent) {
        requireNonNull(parent, "parent");
        CallOptions options = DEFAULT.withMetadata(parent.metadata().persistentOnly())
                .withParentTrace(parent.trace().orElse(null));
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
        return "CallOptions{timeout=" + timeout + ", metadata=" + metadata
                + (compression != null ? ", compression=" + compression : "") + '}';
    }
}
