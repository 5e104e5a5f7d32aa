package io.skein.transport;

import static java.util.Objects.requireNonNull;

import io.skein.protocols.Metadata;

/**
 * Credentials a client sends with its calls, as request metadata: per call with
 * {@link CallOptions#withCredentials}, or for every call made through a channel with
 * {@link ClientChannel#withCredentials}. They travel as transient metadata (one hop: never forwarded by
 * a service that continues the call with {@link CallOptions#continuing}), and {@link Metadata#toString()}
 * never prints them. Over TLS only, unless the network is trusted: in plaintext a token is readable on
 * the wire. Immutable.
 */
public final class CallCredentials {

    /** The metadata key of a bearer token (gRPC's and HTTP's {@code authorization}). */
    public static final String AUTHORIZATION = "authorization";

    private final String key;
    private final String value;

    private CallCredentials(String key, String value) {
        this.key = requireNonNull(key, "key");
        this.value = requireNonNull(value, "value");
    }

    /** {@code authorization: Bearer <token>}. */
    public static CallCredentials bearer(String token) {
        requireNonNull(token, "token");
        if (token.isBlank() || token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new IllegalArgumentException("a bearer token is visible ASCII without spaces");
        }
        return new CallCredentials(AUTHORIZATION, "Bearer " + token);
    }

    /** Any credential as one metadata entry ({@code x-api-key: ...}). */
    public static CallCredentials metadata(String key, String value) {
        return new CallCredentials(key, value);
    }

    /** The metadata key these credentials travel in. */
    public String key() {
        return key;
    }

    /** {@code metadata} with these credentials added (replacing a value of the same key). */
    public Metadata applyTo(Metadata metadata) {
        return requireNonNull(metadata, "metadata").toBuilder().put(key, value).build();
    }

    @Override
    public String toString() {
        return "CallCredentials(" + key + ")";
    }
}
