package io.skein.governance.security;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.skein.transport.CallContext;
import io.skein.transport.Principal;
import io.skein.transport.tls.TlsPeer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The client certificate of a mutual-TLS connection as the principal: its common name, full subject,
 * first DNS or first URI subject alternative name (a SPIFFE id), as {@code principal-from} says, with
 * roles given per principal name in {@code skein.security.mtls.roles}. The certificate was verified in
 * the handshake (trusted CA, validity, revocations), so its presence is the proof. A call without a
 * client certificate is not this authenticator's. Immutable, thread-safe.
 */
public final class TlsIdentityAuthenticator implements Authenticator {

    /** Which part of the certificate names the principal. */
    public enum Source {
        COMMON_NAME, SUBJECT, DNS_SAN, URI_SAN
    }

    private final Source source;
    private final Map<String, Set<String>> roles;

    public TlsIdentityAuthenticator(Source source, Map<String, Set<String>> roles) {
        this.source = requireNonNull(source, "source");
        Map<String, Set<String>> copy = new HashMap<>();
        requireNonNull(roles, "roles").forEach((k, v) -> copy.put(k, Set.copyOf(v)));
        this.roles = Map.copyOf(copy);
    }

    /** From {@code skein.security.mtls}: {@code principal-from} and {@code roles { "name" = [...] }}. */
    public static TlsIdentityAuthenticator fromConfig(Config mtls) {
        Map<String, Set<String>> roles = new HashMap<>();
        Config r = mtls.getConfig("roles");
        for (String name : r.root().keySet()) {
            roles.put(name, new HashSet<>(r.getStringList(com.typesafe.config.ConfigUtil.quoteString(name))));
        }
        return new TlsIdentityAuthenticator(Source.valueOf(mtls.getString("principal-from").trim()
                .toUpperCase(Locale.ROOT).replace('-', '_')), roles);
    }

    @Override
    public Principal authenticate(CallContext call) {
        Optional<TlsPeer> tls = call.tls();
        if (tls.isEmpty() || tls.get().certificate().isEmpty()) {
            return null;
        }
        TlsPeer peer = tls.get();
        Optional<String> name = switch (source) {
            case COMMON_NAME -> peer.commonName();
            case SUBJECT -> peer.subject();
            case DNS_SAN -> first(peer.dnsNames());
            case URI_SAN -> first(peer.uris());
        };
        if (name.isEmpty()) {
            throw new AuthenticationException("the client certificate has no " + source.name().toLowerCase(Locale.ROOT)
                    .replace('_', '-') + " to name a principal");
        }
        return new Principal(name.get(), roles.getOrDefault(name.get(), Set.of()), "mtls");
    }

    private static Optional<String> first(List<String> names) {
        return names.isEmpty() ? Optional.empty() : Optional.of(names.get(0));
    }

    @Override
    public String toString() {
        return "TlsIdentityAuthenticator(" + source + ")";
    }
}
