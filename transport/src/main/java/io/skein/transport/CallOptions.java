package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Metadata;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Per-call settings on the client: timeout (which becomes the deadline carried on the wire),
 * request metadata, an optional capture of the server's response metadata, and typed attributes
 * ({@link Key}) through which decorating channels (governance middleware, balancers) pass facts
 * about one call to each other without the transport knowing them.
 */
public final class CallOptions {

    /** No timeout, no metadata. */
    public static final CallOptions DEFAULT = new CallOptions(null, Metadata.EMPTY, null, null, Map.of());

    private final Duration timeout;
    private final Metadata metadata;
    private final ResponseMetadata responseMetadata;
    private final Executor executor;
    private final Map<Key<?>, Object> attributes;

    private CallOptions(Duration timeout, Metadata metadata, ResponseMetadata responseMetadata, Executor executor,
            Map<Key<?>, Object> attributes) {
        this.timeout = timeout;
        this.metadata = metadata;
        this.responseMetadata = responseMetadata;
        this.executor = executor;
        this.attributes = attributes;
    }

    /**
     * A typed attribute key; keys compare by identity, so each owner declares its keys once as
     * constants (as grpc-java's {@code CallOptions.Key} and Netty's {@code AttributeKey}).
     *
     * @param <T> the attribute's type
     */
    public static final class Key<T> {
        private final String name;

        private Key(String name) {
            this.name = name;
        }

        /** A new key; {@code name} is for debugging only. */
        public static <T> Key<T> of(String name) {
            return new Key<>(requireNonNull(name, "name"));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The attribute under {@code key}, or {@code null}. */
    @SuppressWarnings("unchecked")
    public <T> T attribute(Key<T> key) {
        return (T) attributes.get(requireNonNull(key, "key"));
    }

    /** A copy with {@code key} set to {@code value} ({@code null} removes it). */
    public <T> CallOptions withAttribute(Key<T> key, T value) {
        requireNonNull(key, "key");
        Map<Key<?>, Object> copy = new HashMap<>(attributes);
        if (value == null) {
            copy.remove(key);
        } else {
            copy.put(key, value);
        }
        return new CallOptions(timeout, metadata, responseMetadata, executor, Map.copyOf(copy));
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
        return new CallOptions(timeout, metadata, responseMetadata, executor, attributes);
    }

    /** A copy with the given request metadata. */
    public CallOptions withMetadata(Metadata metadata) {
        return new CallOptions(timeout, requireNonNull(metadata, "metadata"), responseMetadata, executor, attributes);
    }

    /** A copy that records the server's response metadata into {@code capture}. */
    public CallOptions withResponseMetadata(ResponseMetadata capture) {
        return new CallOptions(timeout, metadata, requireNonNull(capture, "capture"), executor, attributes);
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
        return new CallOptions(timeout, metadata, responseMetadata, executor, attributes);
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
        return "CallOptions{timeout=" + timeout + ", metadata=" + metadata
                + (attributes.isEmpty() ? "" : ", attributes=" + attributes.keySet()) + '}';
    }
}
