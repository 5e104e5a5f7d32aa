package io.skein.governance.security;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.skein.transport.CallContext;
import io.skein.transport.Principal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Bearer tokens in the call's metadata ({@code authorization: Bearer <token>}, gRPC's and HTTP's
 * convention; the key is configurable). Tokens are checked by a verifier: by default the list in
 * {@code skein.security.bearer.tokens}, each given as the SHA-256 of the token (so the configuration holds
 * no usable secret) with its principal and roles; or any function a user supplies (a JWT check). A call
 * without the key is not this authenticator's; a malformed value or an unknown token is refused
 * UNAUTHENTICATED. Immutable, thread-safe.
 */
public final class BearerTokenAuthenticator implements Authenticator {

    private static final String SCHEME = "bearer ";

    private final String key;
    private final Function<String, Principal> verifier;

    private BearerTokenAuthenticator(String key, Function<String, Principal> verifier) {
        this.key = requireNonNull(key, "key");
        this.verifier = requireNonNull(verifier, "verifier");
    }

    /**
     * Tokens checked by {@code verifier}: it returns the token's principal, or {@code null} for a token it
     * does not accept. It runs on an I/O thread and must not block.
     */
    public static BearerTokenAuthenticator of(String metadataKey, Function<String, Principal> verifier) {
        return new BearerTokenAuthenticator(metadataKey, verifier);
    }

    /**
     * The tokens of {@code bearer} ({@code skein.security.bearer}): {@code tokens = [{ sha256 = "<hex>",
     * principal = "name", roles = [...] }]}; {@code token = "<plain>"} instead of {@code sha256} is
     * accepted for tests and development.
     */
    public static BearerTokenAuthenticator fromConfig(Config bearer) {
        Map<String, Principal> byHash = new HashMap<>();
        for (Config entry : bearer.getConfigList("tokens")) {
            String hash = entry.hasPath("sha256") ? entry.getString("sha256").trim().toLowerCase(Locale.ROOT)
                    : entry.hasPath("token") ? sha256(entry.getString("token")) : null;
            if (hash == null || hash.length() != 64) {
                throw new IllegalArgumentException("skein.security.bearer.tokens: each entry needs sha256 (64 hex digits) or token");
            }
            Principal principal = new Principal(entry.getString("principal"),
                    entry.hasPath("roles") ? new HashSet<>(entry.getStringList("roles")) : java.util.Set.of(), "bearer");
            if (byHash.put(hash, principal) != null) {
                throw new IllegalArgumentException("skein.security.bearer.tokens lists one token twice");
            }
        }
        Map<String, Principal> tokens = Map.copyOf(byHash);
        return new BearerTokenAuthenticator(bearer.getString("metadata-key"), token -> tokens.get(sha256(token)));
    }

    /** The SHA-256 of {@code token} in lower-case hex: what {@code tokens[].sha256} holds. */
    public static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Principal authenticate(CallContext call) {
        String value = call.metadata().get(key);
        if (value == null) {
            return null;
        }
        if (value.length() <= SCHEME.length() || !value.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw new AuthenticationException("malformed " + key + " metadata: expected \"Bearer <token>\"");
        }
        Principal principal = verifier.apply(value.substring(SCHEME.length()).trim());
        if (principal == null) {
            throw new AuthenticationException("invalid bearer token");
        }
        return principal;
    }

    @Override
    public String toString() {
        return "BearerTokenAuthenticator(" + key + ")";
    }
}
