package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Metadata;
import java.time.Duration;

/**
 * Per-call settings on the client: timeout (which becomes the deadline carried on the wire),
 * request metadata and an optional capture of the server's response metadata.
 */
public final class CallOptions {

    /** No timeout, no metadata. */
    public static final CallOptions DEFAULT = new CallOptions(null, Metadata.EMPTY, null);

    private final Duration timeout;
    private final Metadata metadata;
    private final ResponseMetadata responseMetadata;

    private CallOptions(Duration timeout, Metadata metadata, ResponseMetadata responseMetadata) {
        this.timeout = timeout;
        this.metadata = metadata;
        this.responseMetadata = responseMetadata;
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
        return new CallOptions(timeout, metadata, responseMetadata);
    }

    /** A copy with the given request metadata. */
    public CallOptions withMetadata(Metadata metadata) {
        return new CallOptions(timeout, requireNonNull(metadata, "metadata"), responseMetadata);
    }

    /** A copy that records the server's response metadata into {@code capture}. */
    public CallOptions withResponseMetadata(ResponseMetadata capture) {
        return new CallOptions(timeout, metadata, requireNonNull(capture, "capture"));
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
